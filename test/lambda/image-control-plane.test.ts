/** Image functions' control plane: AWS's validation errors for PackageType Image and Zip, ImageConfig, versions keeping their image. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerSkip } from "../support/docker.ts";
import { imageId, lambdaFunctionImage } from "../support/lambda-image.ts";
import { cliEnv } from "../support/server.ts";
import { codeZip, createActive, json, lambdaFixture, sdkFailure, type LambdaFixture } from "./support.ts";

const skip = dockerSkip();
const TAG = "stratus-test/lambda-fn:control";
const TAG_NEXT = "stratus-test/lambda-fn:control-next";
const IMAGE_ONLY = "Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.";

let fx: LambdaFixture;
before(async () => {
  if (!skip) {
    lambdaFunctionImage(TAG, { "app.js": `exports.handler = async () => "first";\n` });
    lambdaFunctionImage(TAG_NEXT, { "app.js": `exports.handler = async () => "next";\n` });
  }
  fx = await lambdaFixture();
});
after(async () => {
  await fx.close();
});

async function invalid(promise: Promise<unknown>, message: string): Promise<void> {
  const failure = await sdkFailure(promise);
  assert.equal(failure.name, "InvalidParameterValueException");
  assert.equal(failure.$metadata.httpStatusCode, 400);
  assert.equal(failure.message, message);
}

describe("image function validation (no Docker needed)", () => {
  it("refuses Runtime, Handler or Layers with PackageType Image", async () => {
    const base = { PackageType: "Image" as const, Code: { ImageUri: TAG }, Role: fx.roleArn };
    await invalid(fx.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: "bad-runtime", Runtime: "nodejs22.x" })), IMAGE_ONLY);
    await invalid(fx.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: "bad-handler", Handler: "app.handler" })), IMAGE_ONLY);
    await invalid(fx.lambda.send(new CreateFunctionCommand({ ...base, FunctionName: "bad-layers", Layers: ["arn:aws:lambda:us-east-1:000000000000:layer:x:1"] })), IMAGE_ONLY);
  });

  it("needs an ImageUri for PackageType Image; a zip function takes no ImageUri or ImageConfig", async () => {
    await invalid(fx.lambda.send(new CreateFunctionCommand({ FunctionName: "no-uri", PackageType: "Image", Code: {}, Role: fx.roleArn })), "Please provide a source for function code.");
    await invalid(
      fx.lambda.send(new CreateFunctionCommand({ FunctionName: "zip-in-image", PackageType: "Image", Code: { ZipFile: codeZip("exports.handler = 1;") }, Role: fx.roleArn })),
      "Please provide ImageUri when updating a function with packageType Image.",
    );
    await createActive(fx, { FunctionName: "zip-fn" });
    await invalid(fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "zip-fn", ImageUri: TAG })), "Please don't provide ImageUri when updating a function with packageType Zip.");
    await invalid(
      fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "zip-fn", ImageConfig: { Command: ["x.y"] } })),
      "Please don't provide ImageConfig when the intended function PackageType is Zip.",
    );
    const names = (await fx.lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName) ?? [];
    assert.deepEqual(names.filter((n) => ["no-uri", "zip-in-image"].includes(n ?? "")), []);
  });
});

describe("image function validation", { skip }, () => {
  it("needs an image that exists", async () => {
    await invalid(
      fx.lambda.send(new CreateFunctionCommand({ FunctionName: "no-image", PackageType: "Image", Code: { ImageUri: "stratus-test/absent:never" }, Role: fx.roleArn })),
      "Source image stratus-test/absent:never does not exist. Provide a valid source image.",
    );
    const names = (await fx.lambda.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName) ?? [];
    assert.deepEqual(names.filter((n) => n === "no-image"), []);
  });

  it("takes only an ImageUri as an image function's new code, and no Runtime", async () => {
    await fx.lambda.send(new CreateFunctionCommand({ FunctionName: "image-fn", PackageType: "Image", Code: { ImageUri: TAG }, Role: fx.roleArn }));
    await new Promise((resolveWait) => setTimeout(resolveWait, 60));
    await invalid(
      fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "image-fn", ZipFile: codeZip("exports.handler = 1;") })),
      "Please provide ImageUri when updating a function with packageType Image.",
    );
    await invalid(fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "image-fn", Runtime: "nodejs22.x" })), IMAGE_ONLY);
  });

  it("answers the configuration of an image function as Lambda does (also through the CLI)", async () => {
    await fx.lambda.send(
      new CreateFunctionCommand({
        FunctionName: "image-config",
        PackageType: "Image",
        Code: { ImageUri: TAG },
        Role: fx.roleArn,
        Architectures: ["arm64"],
        ImageConfig: { EntryPoint: ["/lambda-entrypoint.sh"], Command: ["app.handler"], WorkingDirectory: "/var/task" },
      }),
    );
    const config = await fx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "image-config" }));
    assert.equal(config.PackageType, "Image");
    assert.deepEqual(config.Architectures, ["arm64"]);
    assert.equal(config.CodeSize, 0);
    assert.equal(config.CodeSha256, imageId(TAG).slice("sha256:".length));
    assert.deepEqual(config.ImageConfigResponse, { ImageConfig: { EntryPoint: ["/lambda-entrypoint.sh"], Command: ["app.handler"], WorkingDirectory: "/var/task" } });
    const cli = JSON.parse(execFileSync("aws", ["lambda", "get-function", "--function-name", "image-config"], { env: cliEnv(fx.server.endpoint), encoding: "utf8" })) as {
      Code: { RepositoryType: string; ImageUri: string };
      Configuration: { PackageType: string };
    };
    assert.equal(cli.Code.RepositoryType, "ECR");
    assert.equal(cli.Code.ImageUri, TAG);
    assert.equal(cli.Configuration.PackageType, "Image");
  });

  it("creates, waits for and invokes an image function with the AWS CLI", async () => {
    const env = cliEnv(fx.server.endpoint);
    const cli = (args: string[]): string => execFileSync("aws", ["lambda", ...args], { env, encoding: "utf8" });
    const created = JSON.parse(cli(["create-function", "--function-name", "cli-image", "--package-type", "Image", "--code", `ImageUri=${TAG}`, "--role", fx.roleArn])) as {
      PackageType: string;
      CodeSha256: string;
    };
    assert.equal(created.PackageType, "Image");
    assert.equal(created.CodeSha256, imageId(TAG).slice("sha256:".length));
    cli(["wait", "function-active-v2", "--function-name", "cli-image"]);
    const dir = mkdtempSync(join(tmpdir(), "stratus-cli-invoke-"));
    try {
      const answer = JSON.parse(cli(["invoke", "--function-name", "cli-image", join(dir, "out.json")])) as { StatusCode: number };
      assert.equal(answer.StatusCode, 200);
      assert.equal(readFileSync(join(dir, "out.json"), "utf8"), '"first"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps a published version on its image when $LATEST moves to another", async () => {
    await fx.lambda.send(new CreateFunctionCommand({ FunctionName: "image-versions", PackageType: "Image", Code: { ImageUri: TAG }, Role: fx.roleArn }));
    await new Promise((resolveWait) => setTimeout(resolveWait, 60));
    const published = await fx.lambda.send(new PublishVersionCommand({ FunctionName: "image-versions" }));
    await fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "image-versions", ImageUri: TAG_NEXT }));
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "image-versions" });
    const latest = await fx.lambda.send(new InvokeCommand({ FunctionName: "image-versions" }));
    const v1 = await fx.lambda.send(new InvokeCommand({ FunctionName: "image-versions", Qualifier: published.Version }));
    assert.equal(json(latest.Payload), "next");
    assert.equal(json(v1.Payload), "first");
  });
});
