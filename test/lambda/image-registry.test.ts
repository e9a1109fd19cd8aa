/** Image functions from Stratus's ECR registry: docker login + push, CreateFunction by ECR URI, pulled on first invoke; without a Docker engine Invoke fails. */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { docker, dockerSkip, removeImagesFrom } from "../support/docker.ts";
import { lambdaFunctionImage } from "../support/lambda-image.ts";
import { cliEnv, clientConfig, startStratus, tempDataDir } from "../support/server.ts";
import { json, lambdaFixture, sdkFailure, text, type LambdaFixture } from "./support.ts";

const skip = dockerSkip();
const LOCAL_TAG = "stratus-test/lambda-fn:registry";

/** Creates a repository, logs docker in with `aws ecr get-login-password` and pushes the local image as `<repositoryUri>:v1`. */
async function pushToStratus(fx: LambdaFixture, repositoryName: string, dockerConfig: string): Promise<{ uri: string; digest: string }> {
  const ecr = new ECRClient(clientConfig(fx.server.endpoint));
  try {
    const repository = (await ecr.send(new CreateRepositoryCommand({ repositoryName }))).repository;
    const repositoryUri = repository?.repositoryUri ?? "";
    const password = execFileSync("aws", ["ecr", "get-login-password"], { env: cliEnv(fx.server.endpoint), encoding: "utf8" }).trim();
    const registry = repositoryUri.slice(0, repositoryUri.indexOf("/"));
    execFileSync("docker", ["--config", dockerConfig, "login", "--username", "AWS", "--password-stdin", registry], { input: password, stdio: ["pipe", "ignore", "pipe"] });
    const uri = `${repositoryUri}:v1`;
    docker(["tag", LOCAL_TAG, uri]);
    docker(["--config", dockerConfig, "push", uri]);
    // The function must pull from Stratus's registry, not find the tag already in the engine.
    spawnSync("docker", ["rmi", "-f", uri], { stdio: "ignore" });
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName }));
    return { uri, digest: described.imageDetails?.[0]?.imageDigest ?? "" };
  } finally {
    ecr.destroy();
  }
}

describe("image functions from Stratus's ECR registry", { skip }, () => {
  let fx: LambdaFixture;
  let dockerConfig: string;
  before(async () => {
    lambdaFunctionImage(LOCAL_TAG, { "app.js": `exports.handler = async (event) => ({ fromRegistry: true, event });\n` });
    fx = await lambdaFixture();
    dockerConfig = mkdtempSync(join(tmpdir(), "stratus-lambda-docker-"));
  });
  after(async () => {
    await fx.close();
    rmSync(dockerConfig, { recursive: true, force: true });
    removeImagesFrom(new URL(fx.server.endpoint).host);
  });

  it("creates the function from the pushed image (by its AWS-style URI too) and runs it after pulling", async () => {
    const { uri, digest } = await pushToStratus(fx, "lambda/registry-fn", dockerConfig);
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    const created = await fx.lambda.send(new CreateFunctionCommand({ FunctionName: "img-ecr", PackageType: "Image", Code: { ImageUri: uri }, Role: fx.roleArn }));
    assert.equal(created.CodeSha256, digest.slice("sha256:".length));
    assert.equal(created.CodeSize, 0);
    await waitUntilFunctionActiveV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "img-ecr" });
    const got = await fx.lambda.send(new GetFunctionCommand({ FunctionName: "img-ecr" }));
    assert.deepEqual(got.Code, { RepositoryType: "ECR", ImageUri: uri, ResolvedImageUri: `${uri.slice(0, uri.lastIndexOf(":"))}@${digest}` });
    const out = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-ecr", Payload: Buffer.from(JSON.stringify({ n: 1 })) }));
    assert.equal(out.FunctionError, undefined, text(out.Payload));
    assert.deepEqual(json(out.Payload), { fromRegistry: true, event: { n: 1 } });

    // The URI AWS users write: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>.
    const awsUri = `000000000000.dkr.ecr.us-east-1.amazonaws.com/lambda/registry-fn:v1`;
    const viaAws = await fx.lambda.send(new CreateFunctionCommand({ FunctionName: "img-ecr-aws", PackageType: "Image", Code: { ImageUri: awsUri }, Role: fx.roleArn }));
    assert.equal(viaAws.CodeSha256, digest.slice("sha256:".length));
    await waitUntilFunctionActiveV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "img-ecr-aws" });
    const viaAwsOut = await fx.lambda.send(new InvokeCommand({ FunctionName: "img-ecr-aws", Payload: Buffer.from("{}") }));
    assert.deepEqual(json(viaAwsOut.Payload), { fromRegistry: true, event: {} });
  });

  it("refuses a tag the registry does not have", async () => {
    const failure = await sdkFailure(
      fx.lambda.send(new CreateFunctionCommand({ FunctionName: "img-ecr-missing", PackageType: "Image", Code: { ImageUri: "000000000000.dkr.ecr.us-east-1.amazonaws.com/lambda/registry-fn:nope" }, Role: fx.roleArn })),
    );
    assert.equal(failure.name, "InvalidParameterValueException");
    assert.equal(failure.message, "Source image 000000000000.dkr.ecr.us-east-1.amazonaws.com/lambda/registry-fn:nope does not exist. Provide a valid source image.");
  });
});

describe("image functions across a restart", { skip }, () => {
  it("still runs the registry image when Stratus comes back on another port", async () => {
    lambdaFunctionImage(LOCAL_TAG, { "app.js": `exports.handler = async () => "survived";\n` });
    const data = tempDataDir();
    const dockerConfig = mkdtempSync(join(tmpdir(), "stratus-lambda-docker-"));
    try {
      const first = await lambdaFixture({ dataDir: data.dir });
      try {
        const { uri } = await pushToStratus(first, "lambda/restart-fn", dockerConfig);
        await first.lambda.send(new CreateFunctionCommand({ FunctionName: "img-restart", PackageType: "Image", Code: { ImageUri: uri }, Role: first.roleArn }));
      } finally {
        await first.close();
      }
      // The role is in the data too: a plain client this time.
      const second = await startStratus({ dataDir: data.dir });
      const lambda = new LambdaClient(clientConfig(second.endpoint));
      try {
        assert.notEqual(second.port, first.server.port);
        const out = await lambda.send(new InvokeCommand({ FunctionName: "img-restart" }));
        assert.equal(out.FunctionError, undefined, text(out.Payload));
        assert.equal(json(out.Payload), "survived");
      } finally {
        lambda.destroy();
        await second.stop();
        removeImagesFrom(new URL(first.server.endpoint).host);
        removeImagesFrom(new URL(second.endpoint).host);
      }
    } finally {
      data.remove();
      rmSync(dockerConfig, { recursive: true, force: true });
    }
  });
});

describe("image functions without a Docker engine", { skip }, () => {
  let fx: LambdaFixture;
  let dockerConfig: string;
  before(async () => {
    lambdaFunctionImage(LOCAL_TAG, { "app.js": `exports.handler = async () => "never runs";\n` });
    // Stratus's Docker client points at a socket with no engine; the test's docker CLI still pushes to Stratus's registry.
    fx = await lambdaFixture({ env: { STRATUS_DOCKER_HOST: "unix:///nonexistent/docker.sock" } });
    dockerConfig = mkdtempSync(join(tmpdir(), "stratus-lambda-docker-"));
  });
  after(async () => {
    await fx.close();
    rmSync(dockerConfig, { recursive: true, force: true });
  });

  it("creates a function from the registry but Invoke fails with ServiceException (never a made-up success)", async () => {
    const { uri } = await pushToStratus(fx, "lambda/no-engine", dockerConfig);
    await fx.lambda.send(new CreateFunctionCommand({ FunctionName: "img-no-engine", PackageType: "Image", Code: { ImageUri: uri }, Role: fx.roleArn }));
    await waitUntilFunctionActiveV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "img-no-engine" });
    const failure = await sdkFailure(fx.lambda.send(new InvokeCommand({ FunctionName: "img-no-engine" })));
    assert.equal(failure.name, "ServiceException");
    assert.equal(failure.$metadata.httpStatusCode, 500);
    assert.match(failure.message, /Docker engine/);
  });

  it("refuses a local image it cannot check", async () => {
    const failure = await sdkFailure(fx.lambda.send(new CreateFunctionCommand({ FunctionName: "img-local", PackageType: "Image", Code: { ImageUri: LOCAL_TAG }, Role: fx.roleArn })));
    assert.equal(failure.name, "InvalidParameterValueException");
    assert.equal(failure.message, `Source image ${LOCAL_TAG} is not valid. Provide a valid source image.`);
  });
});
