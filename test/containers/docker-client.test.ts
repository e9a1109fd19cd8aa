/** The Engine API client against the real engine: images, containers, demultiplexed logs, exec, errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DockerError, createDockerClient, dockerSocketPath, splitImageReference } from "../../src/engine/docker/client.ts";
import { busyboxImage, dockerSkip } from "../support/docker.ts";

test("the socket comes from STRATUS_DOCKER_HOST, then DOCKER_HOST, then /var/run/docker.sock", () => {
  assert.equal(dockerSocketPath({ STRATUS_DOCKER_HOST: "unix:///a.sock", DOCKER_HOST: "unix:///b.sock" }), "/a.sock");
  assert.equal(dockerSocketPath({ DOCKER_HOST: "unix:///b.sock" }), "/b.sock");
  assert.equal(dockerSocketPath({}), "/var/run/docker.sock");
  assert.deepEqual(splitImageReference("127.0.0.1:5000/team/app"), { repository: "127.0.0.1:5000/team/app", tag: "latest" });
  assert.deepEqual(splitImageReference("app:1.2"), { repository: "app", tag: "1.2" });
  assert.deepEqual(splitImageReference("app@sha256:abc"), { repository: "app", tag: "sha256:abc" });
});

test("an unreachable engine: ping is false and calls fail with a DockerError of status 0", async () => {
  const client = createDockerClient("/nonexistent/docker.sock");
  assert.equal(await client.ping(), false);
  await assert.rejects(client.containerInspect("x"), (error: unknown) => error instanceof DockerError && error.status === 0 && /no Docker engine reachable at \/nonexistent\/docker\.sock/.test(error.message));
});

test("containers: create, start, logs split into stdout/stderr lines, wait, exec, remove; engine errors keep their status", { skip: dockerSkip() }, async () => {
  const client = createDockerClient();
  const image = busyboxImage();
  assert.equal(await client.imageInspect("stratus-test/does-not-exist:never"), undefined);
  assert.match((await client.imageInspect(image))?.Id ?? "", /^sha256:/);
  const id = await client.containerCreate({ Image: image, Cmd: ["sh", "-c", "echo out-1; echo err-1 >&2; sleep 1; printf tail"], Labels: { "stratus.client-test": "1" }, HostConfig: { NetworkMode: "none" } });
  try {
    await client.containerStart(id);
    const exec = await client.exec(id, ["sh", "-c", "echo from-exec; exit 5"]);
    assert.deepEqual(exec, { exitCode: 5, stdout: "from-exec", stderr: "" });
    const lines: Array<{ stream: string; message: string }> = [];
    const follower = client.logs(id, (line) => lines.push({ stream: line.stream, message: line.message }));
    assert.equal((await client.containerWait(id)).StatusCode, 0);
    await follower.done;
    assert.deepEqual(lines.filter((line) => line.stream === "stdout").map((line) => line.message), ["out-1", "tail"]);
    assert.deepEqual(lines.filter((line) => line.stream === "stderr").map((line) => line.message), ["err-1"]);
    assert.deepEqual((await client.containerList(["stratus.client-test=1"])).map((summary) => summary.Id), [id]);
    await assert.rejects(client.containerCreate({ Image: image }, "bad name!"), (error: unknown) => error instanceof DockerError && error.status === 400);
  } finally {
    await client.containerRemove(id);
  }
  await assert.rejects(client.containerInspect(id), (error: unknown) => error instanceof DockerError && error.status === 404);
  await client.containerRemove(id);
});
