/** Versions, aliases and qualifiers end to end; python and provided runtimes; hot reload; persistence across a restart. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateAliasCommand, DeleteFunctionCommand, GetAliasCommand, GetFunctionCommand, InvokeCommand, LambdaClient, ListAliasesCommand, ListVersionsByFunctionCommand,
  PublishVersionCommand, UpdateAliasCommand, UpdateFunctionCodeCommand, waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { clientConfig, startStratus, tempDataDir } from "../support/server.ts";
import { codeZip, createActive, json, lambdaFixture, sdkFailure, zipOf, type LambdaFixture } from "./support.ts";

let fx: LambdaFixture;
before(async () => {
  fx = await lambdaFixture();
});
after(async () => fx.close());

const invoke = (name: string, qualifier?: string) =>
  fx.lambda.send(new InvokeCommand({ FunctionName: name, ...(qualifier ? { Qualifier: qualifier } : {}) }));

const hasPython = (() => {
  try {
    return execFileSync("python3", ["--version"]).length > 0;
  } catch {
    return false;
  }
});

describe("Lambda versions, aliases and runtimes", () => {
  it("publishes versions, routes aliases (weighted) and honours qualifiers on every call", async () => {
    await createActive(fx, { FunctionName: "ver", Code: { ZipFile: codeZip("exports.handler = async () => 'one';") } });
    const v1 = await fx.lambda.send(new PublishVersionCommand({ FunctionName: "ver", Description: "first" }));
    assert.equal(v1.Version, "1");
    assert.equal(v1.FunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:ver:1");
    assert.equal((await fx.lambda.send(new PublishVersionCommand({ FunctionName: "ver" }))).Version, "1");
    await fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "ver", ZipFile: codeZip("exports.handler = async () => 'two';") }));
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "ver" });
    const v2 = await fx.lambda.send(new PublishVersionCommand({ FunctionName: "ver" }));
    assert.equal(v2.Version, "2");
    const versions = await fx.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: "ver" }));
    assert.deepEqual(versions.Versions?.map((v) => v.Version), ["$LATEST", "1", "2"]);

    assert.equal(json((await invoke("ver", "1")).Payload), "one");
    const latest = await invoke("ver");
    assert.equal(json(latest.Payload), "two");
    assert.equal(latest.ExecutedVersion, "$LATEST");
    assert.equal((await invoke("ver:1")).ExecutedVersion, "1");
    assert.equal((await sdkFailure(invoke("ver", "9"))).name, "ResourceNotFoundException");

    const alias = await fx.lambda.send(new CreateAliasCommand({ FunctionName: "ver", Name: "live", FunctionVersion: "1" }));
    assert.equal(alias.AliasArn, "arn:aws:lambda:us-east-1:000000000000:function:ver:live");
    const viaAlias = await invoke("ver", "live");
    assert.equal(json(viaAlias.Payload), "one");
    assert.equal(viaAlias.ExecutedVersion, "1");
    await fx.lambda.send(new UpdateAliasCommand({ FunctionName: "ver", Name: "live", RoutingConfig: { AdditionalVersionWeights: { "2": 1 } } }));
    assert.equal((await invoke("ver", "live")).ExecutedVersion, "2");
    const got = await fx.lambda.send(new GetAliasCommand({ FunctionName: "ver", Name: "live" }));
    assert.deepEqual(got.RoutingConfig?.AdditionalVersionWeights, { "2": 1 });
    assert.equal((await fx.lambda.send(new ListAliasesCommand({ FunctionName: "ver" }))).Aliases?.length, 1);
    assert.equal((await fx.lambda.send(new GetFunctionCommand({ FunctionName: "ver", Qualifier: "live" }))).Configuration?.Version, "1");
    const busy = await sdkFailure(fx.lambda.send(new DeleteFunctionCommand({ FunctionName: "ver", Qualifier: "1" })));
    assert.equal(busy.name, "ResourceConflictException");
    const bad = await sdkFailure(fx.lambda.send(new CreateAliasCommand({ FunctionName: "ver", Name: "x", FunctionVersion: "7" })));
    assert.equal(bad.name, "ResourceNotFoundException");
  });

  it("runs a python handler (when python3 exists)", { skip: !hasPython() && "python3 is not installed" }, async () => {
    await createActive(fx, {
      FunctionName: "py",
      Runtime: "python3.11",
      Handler: "app.handler",
      Code: { ZipFile: zipOf({ "app.py": "import logging\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\nn = 0\ndef handler(event, context):\n    global n\n    n += 1\n    print('hello from python')\n    logger.info('logged %s', n)\n    if event.get('fail'):\n        raise ValueError('bad input')\n    return {'n': n, 'name': context.function_name, 'remaining': context.get_remaining_time_in_millis() > 0, 'x': event.get('x')}\n" }) },
    });
    const first = await fx.lambda.send(new InvokeCommand({ FunctionName: "py", Payload: Buffer.from('{"x":5}'), LogType: "Tail" }));
    assert.deepEqual(json(first.Payload), { n: 1, name: "py", remaining: true, x: 5 });
    const log = Buffer.from(first.LogResult ?? "", "base64").toString();
    assert.match(log, /^hello from python$/m);
    assert.match(log, new RegExp(`^\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${first.$metadata.requestId}\\tlogged 1$`, "m"));
    const failed = await fx.lambda.send(new InvokeCommand({ FunctionName: "py", Payload: Buffer.from('{"fail":true}') }));
    assert.equal(failed.FunctionError, "Unhandled");
    const body = json(failed.Payload) as { errorType: string; errorMessage: string; stackTrace: string[] };
    assert.equal(body.errorType, "ValueError");
    assert.equal(body.errorMessage, "bad input");
  });

  it("runs a provided.al2023 bootstrap that speaks the Runtime API itself", async () => {
    const bootstrap = `#!/usr/bin/env node
const api = "http://" + process.env.AWS_LAMBDA_RUNTIME_API + "/2018-06-01/runtime/invocation/";
(async () => {
  for (;;) {
    const next = await fetch(api + "next");
    const id = next.headers.get("lambda-runtime-aws-request-id");
    const event = await next.json();
    console.log("custom runtime got", JSON.stringify(event));
    await fetch(api + id + "/response", { method: "POST", body: JSON.stringify({ custom: event.v, handler: process.env._HANDLER }) });
  }
})();
`;
    await createActive(fx, { FunctionName: "custom", Runtime: "provided.al2023", Handler: "whatever", Code: { ZipFile: zipOf({ bootstrap: { content: bootstrap, mode: 0o755 } }) } });
    const result = await fx.lambda.send(new InvokeCommand({ FunctionName: "custom", Payload: Buffer.from('{"v":7}'), LogType: "Tail" }));
    assert.deepEqual(json(result.Payload), { custom: 7, handler: "whatever" });
    assert.match(Buffer.from(result.LogResult ?? "", "base64").toString(), /custom runtime got \{"v":7\}/);
    // The bootstrap may come from a layer instead (/opt/bootstrap).
    const { PublishLayerVersionCommand } = await import("@aws-sdk/client-lambda");
    const layer = await fx.lambda.send(new PublishLayerVersionCommand({ LayerName: "runtime", Content: { ZipFile: zipOf({ bootstrap: { content: bootstrap, mode: 0o755 } }) } }));
    await createActive(fx, { FunctionName: "custom-layer", Runtime: "provided.al2", Handler: "h", Layers: [layer.LayerVersionArn ?? ""], Code: { ZipFile: zipOf({ "data.txt": "x" }) } });
    assert.deepEqual(json((await fx.lambda.send(new InvokeCommand({ FunctionName: "custom-layer", Payload: Buffer.from('{"v":8}') }))).Payload), { custom: 8, handler: "h" });
  });

  it("hot-reloads code from a local directory (S3Bucket hot-reload)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hot-reload-"));
    try {
      writeFileSync(join(dir, "index.js"), "exports.handler = async () => 'before';");
      await createActive(fx, { FunctionName: "hot", Code: { S3Bucket: "hot-reload", S3Key: dir } });
      assert.equal(json((await invoke("hot")).Payload), "before");
      writeFileSync(join(dir, "index.js"), "exports.handler = async () => 'after';");
      assert.equal(json((await invoke("hot")).Payload), "after");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps functions and their code across a restart", async () => {
    const data = tempDataDir();
    try {
      const first = await lambdaFixture({ dataDir: data.dir });
      await createActive(first, { FunctionName: "durable", Code: { ZipFile: codeZip("exports.handler = async () => 'still here';") } });
      await first.close();
      const second = await startStratus({ dataDir: data.dir });
      const lambda = new LambdaClient(clientConfig(second.endpoint));
      try {
        const result = await lambda.send(new InvokeCommand({ FunctionName: "durable" }));
        assert.equal(json(result.Payload), "still here");
      } finally {
        lambda.destroy();
        await second.stop();
      }
    } finally {
      data.remove();
    }
  });
});

describe("Lambda layers", () => {
  it("publishes layer versions and merges attached layers under /opt (node modules resolvable)", async () => {
    const { PublishLayerVersionCommand, GetLayerVersionCommand, ListLayersCommand, ListLayerVersionsCommand, UpdateFunctionConfigurationCommand, GetFunctionConfigurationCommand } = await import("@aws-sdk/client-lambda");
    const first = await fx.lambda.send(new PublishLayerVersionCommand({
      LayerName: "shared",
      Content: { ZipFile: zipOf({ "nodejs/node_modules/greeter/index.js": "module.exports = (n) => 'hello ' + n;", "data.txt": "v1" }) },
      CompatibleRuntimes: ["nodejs22.x"],
    }));
    assert.equal(first.Version, 1);
    assert.equal(first.LayerVersionArn, "arn:aws:lambda:us-east-1:000000000000:layer:shared:1");
    const second = await fx.lambda.send(new PublishLayerVersionCommand({ LayerName: "extra", Content: { ZipFile: zipOf({ "data.txt": "from extra" }) } }));
    assert.equal((await fx.lambda.send(new GetLayerVersionCommand({ LayerName: "shared", VersionNumber: 1 }))).Content?.CodeSha256, first.Content?.CodeSha256);
    const names = (await fx.lambda.send(new ListLayersCommand({}))).Layers?.map((l) => l.LayerName) ?? [];
    assert.ok(names.includes("extra") && names.includes("shared"));
    assert.deepEqual(names, [...names].sort());
    assert.equal((await fx.lambda.send(new ListLayerVersionsCommand({ LayerName: "shared" }))).LayerVersions?.length, 1);
    await createActive(fx, {
      FunctionName: "layered",
      Layers: [first.LayerVersionArn ?? ""],
      Code: { ZipFile: codeZip("const fs = require('node:fs'); const greet = require('greeter'); exports.handler = async () => ({ greeting: greet('layer'), data: fs.readFileSync(require('node:path').join(require.resolve('greeter'), '../../../../data.txt'), 'utf8'), opt: require.resolve('greeter') });") },
    });
    const body = json((await invoke("layered")).Payload) as { greeting: string; data: string; opt: string };
    assert.deepEqual([body.greeting, body.data], ["hello layer", "v1"]);
    // Sandboxed, the layers are at /opt as on Lambda; as plain processes, in a scratch directory.
    if (existsSync("/usr/bin/bwrap") && process.env.STRATUS_LAMBDA_SANDBOX !== "none") assert.equal(body.opt, "/opt/nodejs/node_modules/greeter/index.js");
    await fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "layered", Layers: [first.LayerVersionArn ?? "", second.LayerVersionArn ?? ""] }));
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "layered" });
    const config = await fx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "layered" }));
    assert.equal(config.Layers?.length, 2);
    assert.ok((config.Layers?.[0]?.CodeSize ?? 0) > 0);
    assert.equal((json((await invoke("layered")).Payload) as { data: string }).data, "from extra");
    const six = Array.from({ length: 6 }, () => first.LayerVersionArn ?? "");
    assert.equal((await sdkFailure(fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "layered", Layers: six })))).name, "InvalidParameterValueException");
  });
});
