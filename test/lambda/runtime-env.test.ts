/** What a function sees and leaves behind: environment and context, role credentials reaching Stratus, CloudWatch Logs, async retries, the CLI. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { cliEnv, clientConfig } from "../support/server.ts";
import { codeZip, createActive, json, lambdaFixture, whoAmIHandler, type LambdaFixture } from "./support.ts";

const run = promisify(execFile);
let fx: LambdaFixture;
let logs: CloudWatchLogsClient;
before(async () => {
  fx = await lambdaFixture();
  logs = new CloudWatchLogsClient(clientConfig(fx.server.endpoint));
});
after(async () => {
  logs.destroy();
  await fx.close();
});

const ENV_DUMP = `
const fs = require("node:fs");
exports.handler = async (event, context) => {
  let writable = false;
  try { fs.writeFileSync(process.env.LAMBDA_TASK_ROOT + "/x", "1"); writable = true; } catch {}
  fs.writeFileSync("/tmp/scratch", "ok");
  const keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "TZ", "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "MY_SETTING", "NODE_EXTRA_CA_CERTS"];
  return {
    env: Object.fromEntries(keys.map((k) => [k, process.env[k]])),
    context: { functionName: context.functionName, functionVersion: context.functionVersion, invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB, awsRequestId: context.awsRequestId, logGroupName: context.logGroupName,
      logStreamName: context.logStreamName, remaining: context.getRemainingTimeInMillis() },
    writable, tmp: fs.readFileSync("/tmp/scratch", "utf8"),
  };
};`;

/** The function asks Stratus's STS who it is, with the credentials Lambda gave it (a form POST: no SDK inside). */
const WHO_AM_I = whoAmIHandler("handler");

describe("Lambda execution environment", () => {
  it("gives the function Lambda's environment variables and context, read-only code and a writable /tmp", async () => {
    await createActive(fx, { FunctionName: "env-dump", MemorySize: 256, Environment: { Variables: { MY_SETTING: "on" } }, Code: { ZipFile: codeZip(ENV_DUMP) } });
    const result = await fx.lambda.send(new InvokeCommand({ FunctionName: "env-dump" }));
    const body = json(result.Payload) as { env: Record<string, string | undefined>; context: Record<string, unknown>; writable: boolean; tmp: string };
    assert.equal(body.env.AWS_LAMBDA_FUNCTION_NAME, "env-dump");
    assert.equal(body.env.AWS_LAMBDA_FUNCTION_VERSION, "$LATEST");
    assert.equal(body.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "256");
    assert.equal(body.env.AWS_REGION, "us-east-1");
    assert.equal(body.env.AWS_DEFAULT_REGION, "us-east-1");
    assert.equal(body.env._HANDLER, "index.handler");
    assert.equal(body.env.AWS_LAMBDA_LOG_GROUP_NAME, "/aws/lambda/env-dump");
    assert.match(body.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "", /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.match(body.env.AWS_LAMBDA_RUNTIME_API ?? "", /^127\.0\.0\.1:\d+$/);
    assert.equal(body.env.TZ, ":UTC");
    assert.match(body.env.AWS_ACCESS_KEY_ID ?? "", /^ASIA/);
    assert.ok(body.env.AWS_SECRET_ACCESS_KEY && body.env.AWS_SESSION_TOKEN);
    assert.equal(body.env.AWS_ENDPOINT_URL, fx.server.endpoint);
    assert.equal(body.env.MY_SETTING, "on");
    assert.equal(body.env.NODE_EXTRA_CA_CERTS, undefined);
    assert.equal(body.context.functionName, "env-dump");
    assert.equal(body.context.functionVersion, "$LATEST");
    assert.equal(body.context.invokedFunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:env-dump");
    assert.equal(body.context.memoryLimitInMB, "256");
    assert.equal(body.context.awsRequestId, result.$metadata.requestId);
    assert.equal(body.context.logGroupName, "/aws/lambda/env-dump");
    assert.equal(body.context.logStreamName, body.env.AWS_LAMBDA_LOG_STREAM_NAME);
    assert.ok((body.context.remaining as number) > 2000 && (body.context.remaining as number) <= 3000);
    // Read-only code needs the sandbox (a plain process running as root may write anywhere).
    if (process.env.STRATUS_LAMBDA_SANDBOX !== "none") assert.equal(body.writable, false);
    assert.equal(body.tmp, "ok");
  });

  it("calls Stratus from inside the function with the role's credentials (AWS_ENDPOINT_URL)", async () => {
    await createActive(fx, { FunctionName: "who-am-i", Code: { ZipFile: codeZip(WHO_AM_I) } });
    const body = json((await fx.lambda.send(new InvokeCommand({ FunctionName: "who-am-i" }))).Payload) as { status: number; arn: string };
    assert.equal(body.status, 200);
    assert.equal(body.arn, "arn:aws:sts::000000000000:assumed-role/lambda-exec/who-am-i");
  });

  it("writes START, the function's lines, END and REPORT to /aws/lambda/<name>", async () => {
    await createActive(fx, { FunctionName: "logger", Code: { ZipFile: codeZip("exports.handler = async (e) => { console.log('processing', e.n); return e.n; };") } });
    const first = await fx.lambda.send(new InvokeCommand({ FunctionName: "logger", Payload: Buffer.from('{"n":1}') }));
    await fx.lambda.send(new InvokeCommand({ FunctionName: "logger", Payload: Buffer.from('{"n":2}') }));
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/lambda/logger" }));
    assert.equal(streams.logStreams?.length, 1);
    const stream = streams.logStreams?.[0]?.logStreamName ?? "";
    assert.match(stream, /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    const events = await logs.send(new GetLogEventsCommand({ logGroupName: "/aws/lambda/logger", logStreamName: stream, startFromHead: true }));
    const messages = (events.events ?? []).map((e) => e.message ?? "");
    const id = first.$metadata.requestId ?? "";
    assert.equal(messages.filter((m) => m.startsWith("START RequestId:")).length, 2);
    assert.ok(messages.includes(`START RequestId: ${id} Version: $LATEST`));
    assert.ok(messages.some((m) => m.endsWith(`\t${id}\tINFO\tprocessing 1`)));
    assert.ok(messages.includes(`END RequestId: ${id}`));
    const reports = messages.filter((m) => m.startsWith("REPORT RequestId:"));
    assert.equal(reports.length, 2);
    assert.match(reports[0] ?? "", /Init Duration: [\d.]+ ms/);
    assert.doesNotMatch(reports[1] ?? "", /Init Duration/);
  });

  it("queues Event invocations (202) and retries a failing one twice, visible in the logs", async () => {
    await createActive(fx, { FunctionName: "async-fail", Code: { ZipFile: codeZip("exports.handler = async (e) => { console.log('attempt for', e.tag); throw new Error('nope'); };") } });
    const accepted = await fx.lambda.send(new InvokeCommand({ FunctionName: "async-fail", InvocationType: "Event", Payload: Buffer.from('{"tag":"t1"}') }));
    assert.equal(accepted.StatusCode, 202);
    const id = accepted.$metadata.requestId ?? "";
    let starts = 0;
    for (let i = 0; i < 50 && starts < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/lambda/async-fail" })).catch(() => undefined);
      starts = 0;
      for (const stream of streams?.logStreams ?? []) {
        const events = await logs.send(new GetLogEventsCommand({ logGroupName: "/aws/lambda/async-fail", logStreamName: stream.logStreamName, startFromHead: true }));
        starts += (events.events ?? []).filter((e) => e.message === `START RequestId: ${id} Version: $LATEST`).length;
      }
    }
    assert.equal(starts, 3);
  });

  it("honours an event invoke config: MaximumRetryAttempts 0 runs a failing event once", async () => {
    const { PutFunctionEventInvokeConfigCommand, GetFunctionEventInvokeConfigCommand } = await import("@aws-sdk/client-lambda");
    await createActive(fx, { FunctionName: "async-once", Code: { ZipFile: codeZip("exports.handler = async () => { throw new Error('nope'); };") } });
    const put = await fx.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: "async-once", MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 120 }));
    assert.equal(put.FunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:async-once:$LATEST");
    assert.equal((await fx.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: "async-once" }))).MaximumRetryAttempts, 0);
    const accepted = await fx.lambda.send(new InvokeCommand({ FunctionName: "async-once", InvocationType: "Event" }));
    const id = accepted.$metadata.requestId ?? "";
    await new Promise((r) => setTimeout(r, 800));
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: "/aws/lambda/async-once" }));
    let starts = 0;
    for (const stream of streams.logStreams ?? []) {
      const events = await logs.send(new GetLogEventsCommand({ logGroupName: "/aws/lambda/async-once", logStreamName: stream.logStreamName, startFromHead: true }));
      starts += (events.events ?? []).filter((e) => e.message === `START RequestId: ${id} Version: $LATEST`).length;
    }
    assert.equal(starts, 1);
  });

  it("works with `aws lambda invoke` and `aws lambda wait function-active-v2`", async () => {
    const env = cliEnv(fx.server.endpoint);
    await createActive(fx, { FunctionName: "cli-fn", Code: { ZipFile: codeZip("exports.handler = async (e) => ({ echo: e });") } });
    await run("aws", ["lambda", "wait", "function-active-v2", "--function-name", "cli-fn"], { env });
    const dir = mkdtempSync(join(tmpdir(), "lambda-cli-"));
    try {
      const out = join(dir, "out.json");
      const { stdout } = await run("aws", ["lambda", "invoke", "--function-name", "cli-fn", "--payload", '{"a":1}', out], { env });
      assert.equal(JSON.parse(stdout).StatusCode, 200);
      assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), { echo: { a: 1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
