/** Invoking node functions for real: CJS and ESM, async and callback, errors, timeouts, crashes, warm reuse, concurrency, limits. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { InvokeCommand, PutFunctionConcurrencyCommand } from "@aws-sdk/client-lambda";
import { codeZip, createActive, json, lambdaFixture, sdkFailure, text, zipOf, type LambdaFixture } from "./support.ts";

let fx: LambdaFixture;
before(async () => {
  fx = await lambdaFixture();
});
after(async () => fx.close());

const invoke = (name: string, payload: unknown = {}, extra: Record<string, unknown> = {}) =>
  fx.lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...extra }));

/** Module-level state shows whether two invocations shared an environment. */
const COUNTER = `
const id = Math.random().toString(36).slice(2);
let count = 0;
exports.handler = async (event) => {
  count++;
  if (event.sleep) await new Promise((r) => setTimeout(r, event.sleep));
  return { id, count };
};`;

describe("Lambda Invoke (node)", () => {
  it("runs CommonJS async, ES module and callback handlers and returns their JSON", async () => {
    await createActive(fx, { FunctionName: "cjs", Code: { ZipFile: codeZip("exports.handler = async (event) => ({ got: event.x * 2 });") } });
    await createActive(fx, { FunctionName: "esm", Code: { ZipFile: codeZip("export const handler = async (event) => ({ esm: true, got: event.x });", "index.mjs") } });
    await createActive(fx, { FunctionName: "callback", Code: { ZipFile: codeZip("exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.x }), 5); };") } });
    await createActive(fx, {
      FunctionName: "esm-pkg",
      Handler: "src/app.main",
      Code: { ZipFile: zipOf({ "package.json": '{"type":"module"}', "src/app.js": "import { helper } from './lib.js'; export async function main() { return helper(); }", "src/lib.js": "export const helper = () => 'from lib';" }) },
    });
    await createActive(fx, { FunctionName: "esm-tla", Code: { ZipFile: codeZip("const config = await Promise.resolve({ ready: true });\nexport const handler = async () => config;", "index.mjs") } });
    assert.deepEqual(json((await invoke("esm-tla")).Payload), { ready: true });
    const cjs = await invoke("cjs", { x: 21 });
    assert.equal(cjs.StatusCode, 200);
    assert.equal(cjs.ExecutedVersion, "$LATEST");
    assert.equal(cjs.FunctionError, undefined);
    assert.deepEqual(json(cjs.Payload), { got: 42 });
    assert.deepEqual(json((await invoke("esm", { x: 1 })).Payload), { esm: true, got: 1 });
    assert.deepEqual(json((await invoke("callback", { x: 2 })).Payload), { cb: 2 });
    assert.equal(json((await invoke("esm-pkg")).Payload), "from lib");
  });

  it("answers a thrown error as Unhandled with errorType, errorMessage and trace", async () => {
    await createActive(fx, { FunctionName: "thrower", Code: { ZipFile: codeZip("class BadThing extends Error { constructor(m) { super(m); this.name = 'BadThing'; } }\nexports.handler = async () => { throw new BadThing('it broke'); };") } });
    const result = await invoke("thrower");
    assert.equal(result.StatusCode, 200);
    assert.equal(result.FunctionError, "Unhandled");
    const body = json(result.Payload) as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(body.errorType, "BadThing");
    assert.equal(body.errorMessage, "it broke");
    assert.ok(Array.isArray(body.trace) && body.trace.length > 0);
  });

  it("reports a missing handler module as Runtime.ImportModuleError", async () => {
    await createActive(fx, { FunctionName: "nomodule", Handler: "missing.handler" });
    const result = await invoke("nomodule");
    assert.equal(result.FunctionError, "Unhandled");
    assert.equal((json(result.Payload) as { errorType: string }).errorType, "Runtime.ImportModuleError");
  });

  it("times out with Lambda's message, kills the environment and starts a fresh one next time", async () => {
    await createActive(fx, { FunctionName: "slow", Timeout: 1, Code: { ZipFile: codeZip(COUNTER.replace("count++;", "count++; if (event.forever) for (;;) {}")) } });
    const first = json((await invoke("slow")).Payload) as { id: string };
    const started = Date.now();
    const timedOut = await invoke("slow", { forever: true });
    assert.ok(Date.now() - started < 3000);
    assert.equal(timedOut.FunctionError, "Unhandled");
    const body = json(timedOut.Payload) as { errorType: string; errorMessage: string };
    assert.equal(body.errorType, "Sandbox.Timedout");
    assert.match(body.errorMessage, /^RequestId: \S+ Error: Task timed out after 1.00 seconds$/);
    const after = json((await invoke("slow")).Payload) as { id: string; count: number };
    assert.notEqual(after.id, first.id);
    assert.equal(after.count, 1);
  });

  it("survives a function that exits or crashes: Runtime.ExitError, then a new environment", async () => {
    await createActive(fx, { FunctionName: "exiter", Code: { ZipFile: codeZip("exports.handler = async (e) => { if (e.exit) process.exit(3); if (e.crash) setTimeout(() => { throw new Error('late'); }); if (e.crash) await new Promise((r) => setTimeout(r, 100)); return 'ok'; };") } });
    const exited = await invoke("exiter", { exit: true });
    assert.equal(exited.FunctionError, "Unhandled");
    const body = json(exited.Payload) as { errorType: string; errorMessage: string };
    assert.equal(body.errorType, "Runtime.ExitError");
    assert.match(body.errorMessage, /Runtime exited with error: exit status 3/);
    const crashed = await invoke("exiter", { crash: true });
    assert.equal(crashed.FunctionError, "Unhandled");
    assert.equal(json((await invoke("exiter")).Payload), "ok");
  });

  it("reuses a warm environment: module state persists across invocations", async () => {
    await createActive(fx, { FunctionName: "warm", Code: { ZipFile: codeZip(COUNTER) } });
    const a = json((await invoke("warm")).Payload) as { id: string; count: number };
    const b = json((await invoke("warm")).Payload) as { id: string; count: number };
    assert.equal(b.id, a.id);
    assert.equal(b.count, a.count + 1);
  });

  it("gives concurrent invocations separate environments", async () => {
    await createActive(fx, { FunctionName: "parallel", Code: { ZipFile: codeZip(COUNTER) } });
    const results = await Promise.all([1, 2, 3].map(() => invoke("parallel", { sleep: 300 })));
    const ids = new Set(results.map((r) => (json(r.Payload) as { id: string }).id));
    assert.equal(ids.size, 3);
  });

  it("throttles beyond reserved concurrency with TooManyRequestsException (429)", async () => {
    await createActive(fx, { FunctionName: "reserved", Code: { ZipFile: codeZip(COUNTER) } });
    await fx.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: "reserved", ReservedConcurrentExecutions: 1 }));
    const outcomes = await Promise.allSettled([invoke("reserved", { sleep: 400 }), invoke("reserved", { sleep: 400 })]);
    const rejected = outcomes.filter((o) => o.status === "rejected");
    assert.equal(rejected.length, 1);
    const error = (rejected[0] as PromiseRejectedResult).reason as Error & { $metadata: { httpStatusCode: number }; Reason?: string };
    assert.equal(error.name, "TooManyRequestsException");
    assert.equal(error.$metadata.httpStatusCode, 429);
    assert.equal(error.Reason, "ReservedFunctionConcurrentInvocationLimitExceeded");
    await fx.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: "reserved", ReservedConcurrentExecutions: 0 }));
    assert.equal((await sdkFailure(invoke("reserved"))).name, "TooManyRequestsException");
  });

  it("refuses payloads over 6 MB (sync) and 256 KB (async); DryRun answers 204; unknown names 404", async () => {
    const big = await sdkFailure(fx.lambda.send(new InvokeCommand({ FunctionName: "cjs", Payload: Buffer.alloc(6 * 1024 * 1024 + 10, 32) })));
    assert.equal(big.name, "RequestTooLargeException");
    assert.equal(big.$metadata.httpStatusCode, 413);
    const async = await sdkFailure(fx.lambda.send(new InvokeCommand({ FunctionName: "cjs", InvocationType: "Event", Payload: Buffer.alloc(300 * 1024, 32) })));
    assert.equal(async.name, "RequestTooLargeException");
    const dry = await fx.lambda.send(new InvokeCommand({ FunctionName: "cjs", InvocationType: "DryRun" }));
    assert.equal(dry.StatusCode, 204);
    const missing = await sdkFailure(invoke("does-not-exist"));
    assert.equal(missing.name, "ResourceNotFoundException");
    assert.equal((await sdkFailure(invoke("cjs", {}, { Qualifier: "nope" }))).name, "ResourceNotFoundException");
  });

  it("returns the tail of the log with LogType Tail", async () => {
    await createActive(fx, { FunctionName: "talker", Code: { ZipFile: codeZip("exports.handler = async () => { console.log('hello from the function'); console.error('multi\\nline'); return 1; };") } });
    const result = await invoke("talker", {}, { LogType: "Tail" });
    const log = Buffer.from(result.LogResult ?? "", "base64").toString("utf8");
    assert.match(log, /^START RequestId: \S+ Version: \$LATEST$/m);
    assert.match(log, /\tINFO\thello from the function$/m);
    assert.match(log, /\tERROR\tmulti\rline$/m);
    assert.match(log, /^END RequestId: /m);
    assert.match(log, /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/m);
    assert.equal(text(result.Payload), "1");
  });
});
