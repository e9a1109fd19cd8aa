/** The docker task runner against a real engine: the conformance cases, plus what only Docker has (no engine, reaping). */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createTaskRunner } from "../../src/engine/containers/index.ts";
import { busyboxImage, docker, dockerSkip } from "../support/docker.ts";
import { runnerConformanceCases } from "./conformance.ts";
import { container, launch, Recorder, testServices } from "./support.ts";

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

/** Docker objects still carrying the task's label. */
function leftovers(taskArn: string): string[] {
  const filter = `label=com.amazonaws.ecs.task-arn=${taskArn}`;
  return [...docker(["ps", "-aq", "--filter", filter]).split("\n"), ...docker(["volume", "ls", "-q", "--filter", filter]).split("\n")].filter(Boolean);
}

/** Polls until nothing is left (a hang guard bounds it; the assertion is on the end state). */
async function untilGone(taskArn: string): Promise<string[]> {
  for (let attempt = 0; attempt < 300 && leftovers(taskArn).length > 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
  return leftovers(taskArn);
}

test("without a reachable Docker engine every task stops with TaskFailedToStart, never RUNNING", async () => {
  const saved = process.env.STRATUS_DOCKER_HOST;
  process.env.STRATUS_DOCKER_HOST = "unix:///nonexistent/docker.sock";
  const services = await testServices();
  const recorder = new Recorder();
  const runner = createTaskRunner(recorder.observer, services);
  if (saved === undefined) delete process.env.STRATUS_DOCKER_HOST;
  else process.env.STRATUS_DOCKER_HOST = saved;
  try {
    const task = launch([container("app", "stratus-test/busybox:latest")]);
    runner.start(task);
    const stopped = await recorder.status(task.taskArn, "STOPPED");
    assert.equal(stopped.stopCode, "TaskFailedToStart");
    assert.equal(stopped.stoppedReason, "CannotStartContainerError: no Docker engine reachable at /nonexistent/docker.sock");
    assert.ok(!recorder.statuses(task.taskArn).includes("RUNNING"));
    assert.equal(stopped.containers[0]?.lastStatus, "STOPPED");
  } finally {
    await runner.close();
    await services.close();
  }
});

test("close() stops every task (SIGKILL after 5 s, whatever the stopTimeout) and leaves no container or volume behind", { skip: dockerSkip(), timeout: 60_000 }, async () => {
  const services = await testServices();
  const recorder = new Recorder();
  const runner = createTaskRunner(recorder.observer, services);
  const loop = { command: ["sh", "-c", "while true; do sleep 1; done"], stopTimeoutSeconds: 120 };
  // Two containers, so the awsvpc task also has its pause container (a single container holds its own network).
  const task = launch(
    [container("app", busyboxImage(), { ...loop, mountPoints: [{ sourceVolume: "data", containerPath: "/data", readOnly: false }] }), container("sidecar", busyboxImage(), loop)],
    { volumes: [{ name: "data" }] },
  );
  try {
    runner.start(task);
    await recorder.status(task.taskArn, "RUNNING");
    assert.equal(leftovers(task.taskArn).length, 4, "app, sidecar, pause container and volume");
    await runner.close();
    assert.deepEqual(leftovers(task.taskArn), []);
    assert.equal(recorder.latest(task.taskArn)?.lastStatus, "STOPPED");
    // sh as PID 1 ignores SIGTERM: only the SIGKILL ended it.
    assert.equal(recorder.latest(task.taskArn)?.containers[0]?.exitCode, 137);
    assert.deepEqual(runner.active(), []);
  } finally {
    await runner.close();
    await services.close();
  }
});

test("after the owning process is killed with SIGKILL, its watchdog removes its containers", { skip: dockerSkip() }, async () => {
  const owner = spawn(process.execPath, [fileURLToPath(new URL("./fixtures/owner.ts", import.meta.url)), busyboxImage()], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const taskArn = await new Promise<string>((resolve, reject) => {
    owner.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /RUNNING (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    owner.on("exit", (code) => reject(new Error(`owner exited early (${code}): ${output}`)));
  });
  assert.ok(leftovers(taskArn).length >= 2);
  owner.kill("SIGKILL");
  assert.deepEqual(await untilGone(taskArn), []);
});

test("a new runner removes containers left by Stratus processes that are gone", { skip: dockerSkip() }, async () => {
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const deadPid = Number(dead.stdout);
  const taskArn = `arn:aws:ecs:us-east-1:000000000000:task/runner-tests/orphan${deadPid}`;
  docker(["create", "--label", "stratus.managed=true", "--label", `stratus.pid=${deadPid}`, "--label", "stratus.run-id=orphan", "--label", `com.amazonaws.ecs.task-arn=${taskArn}`, "--network", "none", busyboxImage(), "sleep", "100"]);
  const services = await testServices();
  const runner = createTaskRunner(() => undefined, services);
  try {
    assert.deepEqual(await untilGone(taskArn), []);
  } finally {
    await runner.close();
    await services.close();
  }
});

test("an ECR-style image is pulled from the registry registryAuth names, and its digest recorded", { skip: dockerSkip() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "stratus-registry-"));
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const free = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(free));
    });
  });
  writeFileSync(join(dir, "config.yml"), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const registry = spawn("docker-registry", ["serve", join(dir, "config.yml")], { stdio: "ignore" });
  const local = `127.0.0.1:${port}/runner-test/pulled:v1`;
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await fetch(`http://127.0.0.1:${port}/v2/`).then((response) => response.ok, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    docker(["tag", busyboxImage(), local]);
    docker(["push", local]);
    const digest = docker(["inspect", "--format", "{{index .RepoDigests 0}}", local]).trim().split("@")[1];
    docker(["rmi", local]);
    const asked: string[] = [];
    const services = await testServices((_task, image) => {
      asked.push(image);
      return image.includes(".dkr.ecr.") ? { serveraddress: `127.0.0.1:${port}`, username: "AWS", password: "token" } : undefined;
    });
    const recorder = new Recorder();
    const runner = createTaskRunner(recorder.observer, services);
    try {
      const task = launch([container("app", "000000000000.dkr.ecr.us-east-1.amazonaws.com/runner-test/pulled:v1", { command: ["true"] })]);
      runner.start(task);
      const stopped = await recorder.status(task.taskArn, "STOPPED");
      assert.equal(stopped.stopCode, "EssentialContainerExited", stopped.stoppedReason);
      assert.equal(stopped.containers[0]?.exitCode, 0);
      assert.equal(stopped.containers[0]?.imageDigest, digest);
      assert.deepEqual(asked, ["000000000000.dkr.ecr.us-east-1.amazonaws.com/runner-test/pulled:v1"]);
      const missing = launch([container("app", "000000000000.dkr.ecr.us-east-1.amazonaws.com/runner-test/absent:v1")]);
      runner.start(missing);
      const failed = await recorder.status(missing.taskArn, "STOPPED");
      assert.equal(failed.stopCode, "TaskFailedToStart");
      assert.match(failed.stoppedReason ?? "", /^CannotPullContainerError: .*runner-test\/absent/);
    } finally {
      await runner.close();
      await services.close();
    }
  } finally {
    registry.kill();
    spawnSync("docker", ["rmi", local], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  }
});
