/** The account concurrency limit, forcing cold starts through the admin route, and the deprecated InvokeAsync. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetAccountSettingsCommand, InvokeAsyncCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { codeZip, createActive, json, lambdaFixture, type LambdaFixture } from "./support.ts";

let fx: LambdaFixture;
before(async () => {
  fx = await lambdaFixture({ env: { STRATUS_LAMBDA_CONCURRENCY: "2" } });
});
after(async () => fx.close());

const SLEEPER = "const id = Math.random(); exports.handler = async (e) => { if (e.sleep) await new Promise((r) => setTimeout(r, e.sleep)); return id; };";

describe("Lambda account limits and environments", () => {
  it("throttles beyond the account's concurrency limit (STRATUS_LAMBDA_CONCURRENCY)", async () => {
    assert.equal((await fx.lambda.send(new GetAccountSettingsCommand({}))).AccountLimit?.ConcurrentExecutions, 2);
    await createActive(fx, { FunctionName: "a", Code: { ZipFile: codeZip(SLEEPER) } });
    await createActive(fx, { FunctionName: "b", Code: { ZipFile: codeZip(SLEEPER) } });
    const payload = Buffer.from('{"sleep":400}');
    const outcomes = await Promise.allSettled([
      fx.lambda.send(new InvokeCommand({ FunctionName: "a", Payload: payload })),
      fx.lambda.send(new InvokeCommand({ FunctionName: "b", Payload: payload })),
      fx.lambda.send(new InvokeCommand({ FunctionName: "a", Payload: payload })),
    ]);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    assert.equal(rejected.length, 1);
    const error = rejected[0]?.reason as Error & { Reason?: string; $metadata: { httpStatusCode: number } };
    assert.equal(error.name, "TooManyRequestsException");
    assert.equal(error.Reason, "ConcurrentInvocationLimitExceeded");
  });

  it("forces a cold start with POST /_stratus/lambda/reset-environments", async () => {
    const first = json((await fx.lambda.send(new InvokeCommand({ FunctionName: "a" }))).Payload);
    assert.equal(json((await fx.lambda.send(new InvokeCommand({ FunctionName: "a" }))).Payload), first);
    const reset = await fetch(`${fx.server.endpoint}/_stratus/lambda/reset-environments`, { method: "POST" });
    assert.equal(reset.status, 200);
    const cold = await fx.lambda.send(new InvokeCommand({ FunctionName: "a", LogType: "Tail" }));
    assert.notEqual(json(cold.Payload), first);
    assert.match(Buffer.from(cold.LogResult ?? "", "base64").toString(), /Init Duration/);
  });

  it("keeps at most 10,000 log lines of an invocation (a flood never fills Stratus's memory)", async () => {
    await createActive(fx, { FunctionName: "flood", Timeout: 10, Code: { ZipFile: codeZip("exports.handler = async () => { for (let i = 0; i < 30000; i++) process.stdout.write('line ' + i + '\\n'); return 'done'; };") } });
    const result = await fx.lambda.send(new InvokeCommand({ FunctionName: "flood", LogType: "Tail" }));
    assert.equal(json(result.Payload), "done");
    assert.match(Buffer.from(result.LogResult ?? "", "base64").toString(), /20000 more log lines of this invocation were dropped/);
  });

  it("accepts the deprecated InvokeAsync (202)", async () => {
    const result = await fx.lambda.send(new InvokeAsyncCommand({ FunctionName: "a", InvokeArgs: Buffer.from("{}") }));
    assert.equal(result.Status, 202);
  });
});
