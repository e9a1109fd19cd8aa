/** Container image functions (PackageType Image) on Docker: invoke, ImageConfig, environment, memory, timeout, logs, code updates, clean-up. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { docker, dockerAvailable, dockerSkip } from "../support/docker.ts";
import { imageId, lambdaFunctionImage } from "../support/lambda-image.ts";
import { clientConfig } from "../support/server.ts";
import { json, lambdaFixture, runtimeClientSource, text, whoAmIHandler, type LambdaFixture } from "./support.ts";

const skip = dockerSkip();

const APP = `
const fs = require("node:fs");
const read = (file) => { try { return fs.readFileSync(file, "utf8").trim(); } catch { return undefined; } };
exports.handler = async (event, context) => {
  console.log("image handler got", JSON.stringify(event));
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.allocMb) { const kept = []; for (let i = 0; i < event.allocMb; i++) kept.push(Buffer.alloc(1024 * 1024, 1)); return kept.length; }
  return {
    which: "handler", event,
    env: { name: process.env.AWS_LAMBDA_FUNCTION_NAME, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, region: process.env.AWS_REGION,
      mine: process.env.MY_SETTING, taskRoot: process.env.LAMBDA_TASK_ROOT, api: process.env.AWS_LAMBDA_RUNTIME_API, path: process.env.PATH,
      endpoint: process.env.AWS_ENDPOINT_URL },
    memoryLimit: read("/sys/fs/cgroup/memory/memory.limit_in_bytes") ?? read("/sys/fs/cgroup/memory.max"),
    requestId: context.awsRequestId, pid: process.pid, cwd: process.cwd(),
  };
};
exports.other = async () => ({ which: "other" });
${whoAmIHandler("whoami", "cwd: process.cwd()")}`;

/** A minimal Runtime API client of the function's own (as an image may bring), given as ImageConfig.EntryPoint. */
const OWN_CLIENT = runtimeClientSource("own client", "{ own: true, event: JSON.parse(next.body) }");

const TAG_V1 = "stratus-test/lambda-fn:v1";
const TAG_V2 = "stratus-test/lambda-fn:v2";

let fx: LambdaFixture;
let logs: CloudWatchLogsClient;

before(async () => {
  if (skip) return;
  lambdaFunctionImage(TAG_V1, { "app.js": APP });
  lambdaFunctionImage(TAG_V2, { "app.js": `exports.handler = async () => ({ which: "v2" });\n` });
  fx = await lambdaFixture();
  logs = new CloudWatchLogsClient(clientConfig(fx.server.endpoint));
});

after(async () => {
  if (skip) return;
  logs.destroy();
  await fx.close();
});

/** Creates an image function (on `on`, the shared Stratus by default) and waits until it is Active. */
async function createImageFunction(name: string, imageUri: string, extra: Record<string, unknown> = {}, on: LambdaFixture = fx): Promise<void> {
  await on.lambda.send(new CreateFunctionCommand({ FunctionName: name, PackageType: "Image", Code: { ImageUri: imageUri }, Role: on.roleArn, ...extra }));
  await new Promise((resolveWait) => setTimeout(resolveWait, 40));
  await waitUntilFunctionActiveV2({ client: on.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
}

/** Ids of the containers (running or not) carrying a label. */
const containersWith = (label: string): string[] => docker(["ps", "-a", "-q", "--filter", `label=${label}`]).split("\n").filter(Boolean);
/** This Stratus's containers of a function ($LATEST): another Stratus running the same test file may have its own. */
const containersOf = (name: string): string[] =>
  docker(["ps", "-a", "-q", "--filter", `label=stratus.lambda.function=arn:aws:lambda:us-east-1:000000000000:function:${name}:$LATEST`, "--filter", `label=stratus.pid=${fx.server.process.pid ?? 0}`])
    .split("\n")
    .filter(Boolean);

describe("image functions on Docker", { skip }, () => {
  it("runs the image's handler (CMD) with Lambda's environment, the memory limit and warm reuse", async () => {
    await createImageFunction("img-basic", TAG_V1, { MemorySize: 256, Environment: { Variables: { MY_SETTING: "from-config" } } });
    const first = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-basic", Payload: Buffer.from(JSON.stringify({ hello: "image" })) }));
    assert.equal(first.StatusCode, 200);
    assert.equal(first.FunctionError, undefined, text(first.Payload));
    const body = json(first.Payload) as { which: string; event: unknown; env: Record<string, string>; memoryLimit: string; pid: number; cwd: string };
    assert.equal(body.which, "handler");
    assert.deepEqual(body.event, { hello: "image" });
    assert.equal(body.env.name, "img-basic");
    assert.equal(body.env.memory, "256");
    assert.equal(body.env.region, "us-east-1");
    assert.equal(body.env.mine, "from-config");
    assert.equal(body.env.taskRoot, "/var/task");
    // On the internal task network the container reaches only the host's gateway address: the Runtime API and Stratus are there.
    assert.match(body.env.api ?? "", /^169\.254\.170\.2:\d+$/);
    assert.match(body.env.endpoint ?? "", /^http:\/\/169\.254\.170\.2:\d+$/);
    // The image's own PATH is kept.
    assert.equal(body.env.path, "/var/lang/bin:/bin");
    assert.equal(body.cwd, "/var/task");
    assert.equal(Number(body.memoryLimit), 256 * 1024 * 1024);
    const second = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-basic", Payload: Buffer.from("{}") }));
    assert.equal((json(second.Payload) as { pid: number }).pid, body.pid, "the warm container serves the next call");
    const containers = containersOf("img-basic");
    assert.equal(containers.length, 1);
    const networks = JSON.parse(docker(["inspect", "--format", "{{json .NetworkSettings.Networks}}", containers[0] ?? ""])) as Record<string, { Gateway: string }>;
    assert.deepEqual(Object.values(networks).map((n) => n.Gateway), ["169.254.170.2"]);
  });

  it("answers GetFunction with the image, its digest and ImageConfigResponse", async () => {
    await createImageFunction("img-config", TAG_V1, { ImageConfig: { Command: ["app.other"] } });
    const got = await fx.lambda.send(new GetFunctionCommand({ FunctionName: "img-config" }));
    const id = imageId(TAG_V1);
    assert.equal(got.Configuration?.PackageType, "Image");
    assert.equal(got.Configuration?.Runtime, undefined);
    assert.equal(got.Configuration?.Handler, undefined);
    assert.equal(got.Configuration?.CodeSha256, id.slice("sha256:".length));
    assert.deepEqual(got.Configuration?.ImageConfigResponse, { ImageConfig: { Command: ["app.other"] } });
    assert.deepEqual(got.Code, { RepositoryType: "ECR", ImageUri: TAG_V1, ResolvedImageUri: `stratus-test/lambda-fn@${id}` });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-config" }));
    assert.deepEqual(json(out.Payload), { which: "other" }, "ImageConfig.Command selects another handler");
  });

  it("honours ImageConfig EntryPoint and WorkingDirectory; the role's credentials reach Stratus at AWS_ENDPOINT_URL", async () => {
    await createImageFunction("img-entry", TAG_V1, {
      ImageConfig: { EntryPoint: ["/bin/sh", "-c", "_HANDLER=app.whoami exec /var/lang/bin/node /var/runtime/bootstrap.cjs"], WorkingDirectory: "/tmp" },
    });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-entry" }));
    assert.equal(out.FunctionError, undefined, text(out.Payload));
    const body = json(out.Payload) as { status: number; arn: string; cwd: string };
    assert.equal(body.cwd, "/tmp");
    assert.equal(body.status, 200);
    assert.equal(body.arn, "arn:aws:sts::000000000000:assumed-role/lambda-exec/img-entry");
  });

  it("runs an image's own runtime client (one that prints no Stratus end marks)", async () => {
    await createImageFunction("img-own-client", TAG_V1, { ImageConfig: { EntryPoint: ["/var/lang/bin/node", "-e", OWN_CLIENT] } });
    const first = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-own-client", Payload: Buffer.from(JSON.stringify({ n: 1 })), LogType: "Tail" }));
    assert.deepEqual(json(first.Payload), { own: true, event: { n: 1 } });
    assert.match(Buffer.from(first.LogResult ?? "", "base64").toString("utf8"), /own client handled [0-9a-f-]{36}\n/);
    const second = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-own-client", Payload: Buffer.from(JSON.stringify({ n: 2 })) }));
    assert.deepEqual(json(second.Payload), { own: true, event: { n: 2 } });
  });

  it("times out like Lambda and replaces the container", async () => {
    await createImageFunction("img-timeout", TAG_V1, { Timeout: 1 });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-timeout", Payload: Buffer.from(JSON.stringify({ sleepMs: 3000 })) }));
    assert.equal(out.FunctionError, "Unhandled");
    const error = json(out.Payload) as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, "Sandbox.Timedout");
    assert.match(error.errorMessage, /Task timed out after 1\.00 seconds/);
    const again = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-timeout", Payload: Buffer.from("{}") }));
    assert.equal(again.FunctionError, undefined, text(again.Payload));
  });

  it("writes START, the function's lines, END and REPORT to CloudWatch Logs", async () => {
    await createImageFunction("img-logs", TAG_V1, { MemorySize: 192 });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-logs", Payload: Buffer.from(JSON.stringify({ marker: "log-me" })), LogType: "Tail" }));
    const requestId = (json(out.Payload) as { requestId: string }).requestId;
    const tail = Buffer.from(out.LogResult ?? "", "base64").toString("utf8");
    assert.match(tail, new RegExp(`START RequestId: ${requestId} Version: \\$LATEST`));
    assert.match(tail, /image handler got \{"marker":"log-me"\}/);
    let messages: string[] = [];
    for (let attempt = 0; attempt < 50 && !messages.some((m) => m.startsWith("REPORT")); attempt++) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/lambda/img-logs" })).catch(() => ({ events: [] }));
      messages = (found.events ?? []).map((e) => e.message ?? "");
    }
    assert.ok(messages.some((m) => m === `START RequestId: ${requestId} Version: $LATEST`), messages.join("\n"));
    assert.ok(messages.some((m) => m.includes(`\t${requestId}\tINFO\timage handler got {"marker":"log-me"}`)), messages.join("\n"));
    assert.ok(messages.some((m) => m === `END RequestId: ${requestId}`));
    const report = messages.find((m) => m.startsWith(`REPORT RequestId: ${requestId}`)) ?? "";
    assert.match(report, /Memory Size: 192 MB/);
    assert.match(report, /Init Duration: [\d.]+ ms/);
  });

  it("runs the new image after UpdateFunctionCode, and ImageConfig changes through UpdateFunctionConfiguration", async () => {
    await createImageFunction("img-update", TAG_V1);
    const before = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-update" }));
    assert.equal((json(before.Payload) as { which: string }).which, "handler");
    const updated = await fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "img-update", ImageUri: TAG_V2 }));
    assert.equal(updated.CodeSha256, imageId(TAG_V2).slice("sha256:".length));
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "img-update" });
    const after = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-update" }));
    assert.deepEqual(json(after.Payload), { which: "v2" });
    await fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "img-update", ImageUri: TAG_V1 }));
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "img-update" });
    const configured = await fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "img-update", ImageConfig: { Command: ["app.other"] } }));
    assert.deepEqual(configured.ImageConfigResponse, { ImageConfig: { Command: ["app.other"] } });
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "img-update" });
    const other = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-update" }));
    assert.deepEqual(json(other.Payload), { which: "other" });
  });

  it("reports an image whose handler cannot be loaded as Lambda reports init errors", async () => {
    await createImageFunction("img-bad-handler", TAG_V1, { ImageConfig: { Command: ["missing.handler"] } });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-bad-handler", LogType: "Tail" }));
    assert.equal(out.FunctionError, "Unhandled");
    assert.equal((json(out.Payload) as { errorType: string }).errorType, "Runtime.ImportModuleError");
    assert.match(Buffer.from(out.LogResult ?? "", "base64").toString("utf8"), /INIT_REPORT Status: error\tError Type: Runtime.ImportModuleError/);
  });

  it("reports an entry point that cannot be started as Runtime.InvalidEntrypoint", async () => {
    await createImageFunction("img-bad-entry", TAG_V1, { ImageConfig: { EntryPoint: ["/no/such/entrypoint"] } });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-bad-entry" }));
    assert.equal(out.FunctionError, "Unhandled");
    const error = json(out.Payload) as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, "Runtime.InvalidEntrypoint");
    assert.match(error.errorMessage, /\/no\/such\/entrypoint/);
  });

  it("kills a container that exceeds MemorySize (signal: killed) and serves the next call from a new one", async () => {
    await createImageFunction("img-oom", TAG_V1, { MemorySize: 128 });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-oom", Payload: Buffer.from(JSON.stringify({ allocMb: 400 })) }));
    assert.equal(out.FunctionError, "Unhandled");
    const error = json(out.Payload) as { errorType: string; errorMessage: string };
    assert.equal(error.errorType, "Runtime.ExitError");
    assert.match(error.errorMessage, /Runtime exited with error: signal: killed/);
    const next = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-oom", Payload: Buffer.from(JSON.stringify({ allocMb: 10 })) }));
    assert.equal(json(next.Payload), 10);
  });

  it("runs Event invocations in the container too, and DeleteFunction removes its containers", async () => {
    await createImageFunction("img-event", TAG_V1);
    const queued = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-event", InvocationType: "Event", Payload: Buffer.from(JSON.stringify({ queued: "yes" })) }));
    assert.equal(queued.StatusCode, 202);
    let messages: string[] = [];
    for (let attempt = 0; attempt < 100 && !messages.some((m) => m.includes('image handler got {"queued":"yes"}')); attempt++) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      // The group appears with the first invocation's lines.
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/lambda/img-event" })).catch(() => ({ events: [] }));
      messages = (found.events ?? []).map((e) => e.message ?? "");
    }
    assert.ok(messages.some((m) => m.includes('image handler got {"queued":"yes"}')), messages.join("\n"));
    assert.equal(containersOf("img-event").length, 1);
    await fx.lambda.send(new DeleteFunctionCommand({ FunctionName: "img-event" }));
    let left = containersOf("img-event");
    for (let attempt = 0; attempt < 100 && left.length; attempt++) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      left = containersOf("img-event");
    }
    assert.deepEqual(left, []);
  });

  it("gives concurrent invocations separate containers", async () => {
    await createImageFunction("img-parallel", TAG_V1);
    const calls = await Promise.all(
      [0, 1].map(() => fx.lambda.send(new InvokeCommand({ FunctionName: "img-parallel", Payload: Buffer.from(JSON.stringify({ sleepMs: 700 })) }))),
    );
    const pids = calls.map((call) => (json(call.Payload) as { pid: number; requestId: string }).requestId);
    assert.equal(new Set(pids).size, 2);
    assert.equal(containersOf("img-parallel").length, 2);
  });
});

describe("image functions on the host's network (STRATUS_LAMBDA_DOCKER_NETWORK=host)", { skip }, () => {
  it("serves the Runtime API and Stratus on 127.0.0.1", async () => {
    const own = await lambdaFixture({ env: { STRATUS_LAMBDA_DOCKER_NETWORK: "host" } });
    try {
      await createImageFunction("img-host", TAG_V1, {}, own);
      const out = await own.lambda.send(new InvokeCommand({ FunctionName: "img-host" }));
      const body = json(out.Payload) as { env: Record<string, string> };
      assert.match(body.env.api ?? "", /^127\.0\.0\.1:\d+$/);
      assert.equal(body.env.endpoint, own.server.endpoint);
    } finally {
      await own.close();
    }
  });
});

describe("image function containers after Stratus stops", { skip }, () => {
  it("leaves no container behind", async () => {
    const own = await lambdaFixture();
    try {
      await createImageFunction("img-leftover", TAG_V1, {}, own);
      const out = await own.lambda.send(new InvokeCommand({ FunctionName: "img-leftover" }));
      assert.equal(out.FunctionError, undefined, text(out.Payload));
      const label = `stratus.pid=${own.server.process.pid}`;
      assert.equal(containersWith(label).length, 1);
      await own.close();
      assert.deepEqual(containersWith(label), []);
    } finally {
      if (dockerAvailable()) await own.close().catch(() => {});
    }
  });

  it("removes the containers of a Stratus killed with -9 (its watchdog does)", async () => {
    const first = await lambdaFixture();
    await createImageFunction("img-orphan", TAG_V1, {}, first);
    const out = await first.lambda.send(new InvokeCommand({ FunctionName: "img-orphan" }));
    assert.equal(out.FunctionError, undefined, text(out.Payload));
    const label = `stratus.pid=${first.server.process.pid}`;
    assert.equal(containersWith(label).length, 1);
    first.lambda.destroy();
    await first.server.kill();
    // The watchdog acts once Stratus's pipe closes: poll (bounded only against a hang).
    let left = containersWith(label);
    for (let attempt = 0; attempt < 100 && left.length; attempt++) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      left = containersWith(label);
    }
    assert.deepEqual(left, []);
  });
});
