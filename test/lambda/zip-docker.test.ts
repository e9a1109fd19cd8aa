/** Zip functions on the docker runner (STRATUS_LAMBDA_RUNNER=docker): the runtime's image, code and layers mounted, warm reuse, limits, logs, a missing image. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { InvokeCommand, LambdaClient, type InvokeCommandOutput, PublishLayerVersionCommand, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2 } from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { docker, dockerAvailable, dockerSkip } from "../support/docker.ts";
import { lambdaNodeBaseImage } from "../support/lambda-image.ts";
import { awsRuntimeImage, imageVariable } from "../../src/engine/lambda/zip-docker.ts";
import { clientConfig } from "../support/server.ts";
import { codeZip, createActive, json, lambdaFixture, runtimeClientSource, sdkFailure, text, zipOf, type LambdaFixture } from "./support.ts";

const skip = dockerSkip();

/** The node runtime image the tests provide through the override variable (a tag of the locally built base image). */
const RUNTIME_TAG = "stratus-test/lambda-runtime:nodejs22";
/** AWS's name for the nodejs20.x image: tagged for one test (no override), untagged afterwards. */
const AWS_NODE20 = "public.ecr.aws/lambda/nodejs:20";
/** An image nobody can pull: the registry at 127.0.0.1:1 refuses the connection (nothing leaves the machine). */
const MISSING = "127.0.0.1:1/stratus-test/no-such-runtime:1";

const HANDLER = `
const fs = require("node:fs");
const os = require("node:os");
const read = (file) => { try { return fs.readFileSync(file, "utf8").trim(); } catch { return undefined; } };
let calls = 0;
exports.handler = async (event, context) => {
  calls++;
  console.log("zip handler got", JSON.stringify(event));
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  let writable;
  try { fs.writeFileSync("/var/task/new-file", "x"); writable = "yes"; } catch (error) { writable = error.code; }
  return {
    event, calls, hostname: os.hostname(), requestId: context.awsRequestId,
    // Only the runtime image has /var/runtime/bootstrap.cjs (the host has no /var/runtime).
    imageFile: fs.existsSync("/var/runtime/bootstrap.cjs"),
    task: fs.readdirSync("/var/task").sort(), taskWritable: writable, layer: read("/opt/data/layer.txt"),
    tmpWritable: (() => { try { fs.writeFileSync("/tmp/scratch", "x"); return true; } catch { return false; } })(),
    memoryLimit: read("/sys/fs/cgroup/memory/memory.limit_in_bytes") ?? read("/sys/fs/cgroup/memory.max"),
    env: { name: process.env.AWS_LAMBDA_FUNCTION_NAME, handler: process.env._HANDLER, taskRoot: process.env.LAMBDA_TASK_ROOT,
      exec: process.env.AWS_EXECUTION_ENV, mine: process.env.MY_SETTING, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      api: process.env.AWS_LAMBDA_RUNTIME_API, path: process.env.PATH },
  };
};
`;

/** A provided.al2023 bootstrap of the function's own: a node script (the test runtime image has node) speaking the Runtime API. */
const BOOTSTRAP = `#!/var/lang/bin/node\n${runtimeClientSource("bootstrap", "{ bootstrap: true, handler: process.env._HANDLER, argv: process.argv.slice(2), event: JSON.parse(next.body) }")}`;

let fx: LambdaFixture;
let logs: CloudWatchLogsClient;

const dockerEnv = (): Record<string, string> => ({
  STRATUS_LAMBDA_RUNNER: "docker",
  STRATUS_LAMBDA_IMAGE_NODEJS22_X: RUNTIME_TAG,
  STRATUS_LAMBDA_IMAGE_PROVIDED_AL2023: RUNTIME_TAG,
  STRATUS_LAMBDA_IMAGE_PYTHON3_12: MISSING,
  // A runtime the process runner cannot run: on the docker runner it is whatever its image runs (here the node image).
  STRATUS_LAMBDA_IMAGE_JAVA21: RUNTIME_TAG,
});

before(async () => {
  if (skip) return;
  docker(["tag", lambdaNodeBaseImage(), RUNTIME_TAG]);
  fx = await lambdaFixture({ env: dockerEnv() });
  logs = new CloudWatchLogsClient(clientConfig(fx.server.endpoint));
});

after(async () => {
  if (skip) return;
  logs.destroy();
  await fx.close();
});

/** Ids of the containers (running or not) carrying a label. */
const containersWith = (label: string): string[] => docker(["ps", "-a", "-q", "--no-trunc", "--filter", `label=${label}`]).split("\n").filter(Boolean);
/** This Stratus's containers of a function ($LATEST): another Stratus running the same test file may have its own. */
const containersOf = (name: string): string[] =>
  docker(["ps", "-a", "-q", "--no-trunc", "--filter", `label=stratus.lambda.function=arn:aws:lambda:us-east-1:000000000000:function:${name}:$LATEST`, "--filter", `label=stratus.pid=${fx.server.process.pid ?? 0}`])
    .split("\n")
    .filter(Boolean);

const invoke = (client: LambdaClient, name: string, event: unknown = {}): Promise<InvokeCommandOutput> =>
  client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)), LogType: "Tail" }));

interface Report {
  event: unknown;
  calls: number;
  hostname: string;
  requestId: string;
  imageFile: boolean;
  task: string[];
  taskWritable: string;
  tmpWritable: boolean;
  layer: string | undefined;
  memoryLimit: string;
  env: Record<string, string | undefined>;
}

describe("zip functions on the docker runner", { skip }, () => {
  it("runs the handler in a container of the runtime's image, with the code read-only at /var/task, Lambda's environment and warm reuse", async () => {
    await createActive(fx, {
      FunctionName: "zd-basic",
      MemorySize: 256,
      Environment: { Variables: { MY_SETTING: "from-config" } },
      Code: { ZipFile: zipOf({ "index.js": HANDLER, "extra.txt": "more" }) },
    });
    const first = await invoke(fx.lambda, "zd-basic", { hello: "docker" });
    assert.equal(first.FunctionError, undefined, text(first.Payload));
    const body = json(first.Payload) as Report;
    assert.deepEqual(body.event, { hello: "docker" });
    assert.equal(body.imageFile, true, "the handler sees the runtime image's files");
    const containers = containersOf("zd-basic");
    assert.equal(containers.length, 1);
    assert.notEqual(body.hostname, hostname());
    assert.equal(body.hostname, (containers[0] ?? "").slice(0, 12), "the handler ran in the function's container");
    assert.deepEqual(body.task, ["extra.txt", "index.js"]);
    assert.equal(body.taskWritable, "EROFS", "/var/task is mounted read-only");
    assert.equal(body.tmpWritable, true);
    assert.equal(body.layer, undefined);
    assert.equal(Number(body.memoryLimit), 256 * 1024 * 1024);
    assert.equal(body.env.name, "zd-basic");
    assert.equal(body.env.handler, "index.handler");
    assert.equal(body.env.taskRoot, "/var/task");
    assert.equal(body.env.exec, "AWS_Lambda_nodejs22.x");
    assert.equal(body.env.mine, "from-config");
    assert.equal(body.env.memory, "256");
    assert.equal(body.env.path, "/var/lang/bin:/bin", "the image's PATH is kept");
    assert.match(body.env.api ?? "", /^169\.254\.170\.2:\d+$/);
    const image = docker(["inspect", "--format", "{{.Config.Image}}", containers[0] ?? ""]).trim();
    assert.equal(image, RUNTIME_TAG);
    const second = await invoke(fx.lambda, "zd-basic", { again: true });
    const warm = json(second.Payload) as Report;
    assert.equal(warm.hostname, body.hostname, "the warm container serves the next call");
    assert.equal(warm.calls, 2, "module state survives between invocations");
    assert.deepEqual(containersOf("zd-basic"), containers);
  });

  it("mounts the function's layers at /opt and runs new code after UpdateFunctionCode in a new container", async () => {
    const layer = await fx.lambda.send(new PublishLayerVersionCommand({ LayerName: "zd-data", Content: { ZipFile: zipOf({ "data/layer.txt": "from the layer" }) } }));
    await createActive(fx, { FunctionName: "zd-layer", Layers: [layer.LayerVersionArn ?? ""], Code: { ZipFile: codeZip(HANDLER) } });
    const out = await invoke(fx.lambda, "zd-layer");
    const body = json(out.Payload) as Report;
    assert.equal(body.layer, "from the layer");
    await fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "zd-layer", ZipFile: codeZip(`exports.handler = async () => ({ version: 2, host: require("node:os").hostname() });`) }));
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "zd-layer" });
    const updated = json((await invoke(fx.lambda, "zd-layer")).Payload) as { version: number; host: string };
    assert.equal(updated.version, 2);
    assert.notEqual(updated.host, body.hostname);
  });

  it("times out like Lambda, and the next call gets a new container", async () => {
    await createActive(fx, { FunctionName: "zd-timeout", Timeout: 1, Code: { ZipFile: codeZip(HANDLER) } });
    const out = await invoke(fx.lambda, "zd-timeout", { sleepMs: 3000 });
    assert.equal(out.FunctionError, "Unhandled");
    const error = json(out.Payload) as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, "Sandbox.Timedout");
    assert.match(error.errorMessage, /Task timed out after 1\.00 seconds/);
    const again = await invoke(fx.lambda, "zd-timeout");
    assert.equal(again.FunctionError, undefined, text(again.Payload));
    const host = (json(again.Payload) as Report).hostname;
    const live = containersOf("zd-timeout").filter((id) => docker(["inspect", "--format", "{{.State.Running}}", id]).trim() === "true");
    assert.deepEqual(live.map((id) => id.slice(0, 12)), [host]);
  });

  it("gives concurrent invocations separate containers", async () => {
    await createActive(fx, { FunctionName: "zd-parallel", Code: { ZipFile: codeZip(HANDLER) } });
    const calls = await Promise.all([0, 1].map(() => invoke(fx.lambda, "zd-parallel", { sleepMs: 700 })));
    const hosts = calls.map((call) => (json(call.Payload) as Report).hostname);
    assert.equal(new Set(hosts).size, 2);
    assert.deepEqual(containersOf("zd-parallel").map((id) => id.slice(0, 12)).sort(), [...hosts].sort());
  });

  it("writes START, the function's lines, END and REPORT to CloudWatch Logs", async () => {
    await createActive(fx, { FunctionName: "zd-logs", MemorySize: 192, Code: { ZipFile: codeZip(HANDLER) } });
    const out = await invoke(fx.lambda, "zd-logs", { marker: "log-me" });
    const requestId = (json(out.Payload) as Report).requestId;
    const tail = Buffer.from(out.LogResult ?? "", "base64").toString("utf8");
    assert.match(tail, new RegExp(`START RequestId: ${requestId} Version: \\$LATEST`));
    assert.match(tail, /zip handler got \{"marker":"log-me"\}/);
    let messages: string[] = [];
    for (let attempt = 0; attempt < 50 && !messages.some((m) => m.startsWith("REPORT")); attempt++) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/lambda/zd-logs" })).catch(() => ({ events: [] }));
      messages = (found.events ?? []).map((e) => e.message ?? "");
    }
    assert.ok(messages.some((m) => m === `START RequestId: ${requestId} Version: $LATEST`), messages.join("\n"));
    assert.ok(messages.some((m) => m.includes(`\t${requestId}\tINFO\tzip handler got {"marker":"log-me"}`)), messages.join("\n"));
    assert.ok(messages.some((m) => m === `END RequestId: ${requestId}`));
    const report = messages.find((m) => m.startsWith(`REPORT RequestId: ${requestId}`)) ?? "";
    assert.match(report, /Memory Size: 192 MB/);
    assert.match(report, /Init Duration: [\d.]+ ms/);
    assert.equal(containersOf("zd-logs").length, 1, "the lines came from the function's container");
  });

  it("runs a provided.al2023 function's own bootstrap from /var/task without arguments, the handler in _HANDLER", async () => {
    await createActive(fx, {
      FunctionName: "zd-provided",
      Runtime: "provided.al2023",
      Handler: "function.handler",
      Code: { ZipFile: zipOf({ bootstrap: { content: BOOTSTRAP, mode: 0o755 } }) },
    });
    const out = await invoke(fx.lambda, "zd-provided", { n: 1 });
    assert.equal(out.FunctionError, undefined, text(out.Payload));
    assert.deepEqual(json(out.Payload), { bootstrap: true, handler: "function.handler", argv: [], event: { n: 1 } });
    assert.match(Buffer.from(out.LogResult ?? "", "base64").toString("utf8"), /bootstrap handled [0-9a-f-]{36}\n/);
    assert.equal(containersOf("zd-provided").length, 1);
  });

  it("hot-reloads code from a local directory (S3Bucket hot-reload), mounted into the container", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hot-reload-docker-"));
    try {
      const source = (word: string): string => `exports.handler = async () => ({ word: ${JSON.stringify(word)}, host: require("node:os").hostname() });`;
      writeFileSync(join(dir, "index.js"), source("before"));
      await createActive(fx, { FunctionName: "zd-hot", Code: { S3Bucket: "hot-reload", S3Key: dir } });
      const before = json((await invoke(fx.lambda, "zd-hot")).Payload) as { word: string; host: string };
      assert.equal(before.word, "before");
      assert.notEqual(before.host, hostname());
      writeFileSync(join(dir, "index.js"), source("after"));
      assert.equal((json((await invoke(fx.lambda, "zd-hot")).Payload) as { word: string }).word, "after");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs runtimes the process runner cannot (java21 here) when their image is there", async () => {
    await createActive(fx, { FunctionName: "zd-java", Runtime: "java21", Code: { ZipFile: codeZip(HANDLER) } });
    const out = await invoke(fx.lambda, "zd-java");
    assert.equal(out.FunctionError, undefined, text(out.Payload));
    assert.equal((json(out.Payload) as Report).env.exec, "AWS_Lambda_java21");
  });

  it("fails Invoke with an error naming a runtime image that is neither present nor pullable, and how to provide it", async () => {
    await createActive(fx, { FunctionName: "zd-missing", Runtime: "python3.12", Handler: "app.handler", Code: { ZipFile: zipOf({ "app.py": "def handler(e, c):\n    return e\n" }) } });
    const client = new LambdaClient({ ...clientConfig(fx.server.endpoint), maxAttempts: 1 });
    try {
      const failure = await sdkFailure(invoke(client, "zd-missing"));
      assert.equal(failure.name, "InvalidRuntimeException");
      assert.equal(failure.$metadata.httpStatusCode, 502);
      assert.ok(failure.message.includes(MISSING), failure.message);
      assert.ok(failure.message.includes(`docker pull ${MISSING}`), failure.message);
      assert.ok(failure.message.includes("STRATUS_LAMBDA_IMAGE_PYTHON3_12"), failure.message);
    } finally {
      client.destroy();
    }
    assert.deepEqual(containersOf("zd-missing"), []);
  });
});

describe("zip functions on the docker runner with AWS's image names", { skip }, () => {
  it("runs nodejs20.x on public.ecr.aws/lambda/nodejs:20 when no override is set, and leaves no container after Stratus stops", async () => {
    docker(["tag", lambdaNodeBaseImage(), AWS_NODE20]);
    const own = await lambdaFixture({ env: { STRATUS_LAMBDA_RUNNER: "docker" } });
    try {
      await createActive(own, { FunctionName: "zd-aws-name", Runtime: "nodejs20.x", Code: { ZipFile: codeZip(HANDLER) } });
      const out = await invoke(own.lambda, "zd-aws-name");
      assert.equal(out.FunctionError, undefined, text(out.Payload));
      assert.equal((json(out.Payload) as Report).env.exec, "AWS_Lambda_nodejs20.x");
      const label = `stratus.pid=${own.server.process.pid}`;
      const containers = containersWith(label);
      assert.equal(containers.length, 1);
      assert.equal(docker(["inspect", "--format", "{{.Config.Image}}", containers[0] ?? ""]).trim(), AWS_NODE20);
      await own.close();
      assert.deepEqual(containersWith(label), []);
    } finally {
      if (dockerAvailable()) await own.close().catch(() => {});
      docker(["rmi", AWS_NODE20]);
    }
  });
});

describe("runtime image names", () => {
  it("follows AWS's public.ecr.aws/lambda repositories and tags, and names the override variable after the runtime", () => {
    assert.equal(awsRuntimeImage("nodejs22.x"), "public.ecr.aws/lambda/nodejs:22");
    assert.equal(awsRuntimeImage("nodejs24.x"), "public.ecr.aws/lambda/nodejs:24");
    assert.equal(awsRuntimeImage("python3.12"), "public.ecr.aws/lambda/python:3.12");
    assert.equal(awsRuntimeImage("provided.al2023"), "public.ecr.aws/lambda/provided:al2023");
    assert.equal(awsRuntimeImage("provided.al2"), "public.ecr.aws/lambda/provided:al2");
    assert.equal(awsRuntimeImage("java21"), "public.ecr.aws/lambda/java:21");
    assert.equal(awsRuntimeImage("java8.al2"), "public.ecr.aws/lambda/java:8.al2");
    assert.equal(awsRuntimeImage("dotnet8"), "public.ecr.aws/lambda/dotnet:8");
    assert.equal(awsRuntimeImage("ruby3.3"), "public.ecr.aws/lambda/ruby:3.3");
    assert.equal(imageVariable("nodejs22.x"), "STRATUS_LAMBDA_IMAGE_NODEJS22_X");
    assert.equal(imageVariable("provided.al2023"), "STRATUS_LAMBDA_IMAGE_PROVIDED_AL2023");
  });
});

describe("zip functions on the docker runner without a Docker engine", () => {
  it("fail Invoke with ServiceException saying the docker runner needs an engine (never a made-up success)", async () => {
    const own = await lambdaFixture({ env: { STRATUS_LAMBDA_RUNNER: "docker", STRATUS_DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
    const client = new LambdaClient({ ...clientConfig(own.server.endpoint), maxAttempts: 1 });
    try {
      await createActive(own, { FunctionName: "zd-no-engine", Code: { ZipFile: codeZip(HANDLER) } });
      const failure = await sdkFailure(invoke(client, "zd-no-engine"));
      assert.equal(failure.name, "ServiceException");
      assert.equal(failure.$metadata.httpStatusCode, 500);
      assert.match(failure.message, /Stratus needs a Docker engine to run zip functions with STRATUS_LAMBDA_RUNNER=docker/);
    } finally {
      client.destroy();
      await own.close();
    }
  });
});
