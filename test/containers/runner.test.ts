/** The docker task runner against a real engine: the conformance cases, plus what only Docker has (no engine, reaping). */
import { test } from "node:test";
import { createTaskRunner } from "../../src/engine/containers/index.ts";
import { busyboxImage, dockerSkip } from "../support/docker.ts";
import { runnerConformanceCases } from "./conformance.ts";
import { Recorder, testServices } from "./support.ts";

for (const conformance of runnerConformanceCases) {
  test(conformance.name, { skip: dockerSkip() }, async () => {
    const services = await testServices();
    const recorder = new Recorder();
    const runner = createTaskRunner(recorder.observer, services);
    try {
      await conformance.run({ runner, recorder, services, image: busyboxImage() });
    } finally {
      await runner.close();
      await services.close();
    }
  });
}
