/** Lambda's control plane through the SDK: create/get/list/update/delete, lifecycle, validation, tags, policies, concurrency. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  AddPermissionCommand, CreateFunctionCommand, DeleteFunctionCommand, DeleteFunctionConcurrencyCommand, GetAccountSettingsCommand, GetFunctionCommand,
  GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand, GetPolicyCommand, ListFunctionsCommand, ListTagsCommand, PutFunctionConcurrencyCommand,
  RemovePermissionCommand, TagResourceCommand, UntagResourceCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2, type CreateFunctionCommandInput,
} from "@aws-sdk/client-lambda";
import { codeZip, createActive, lambdaFixture, sdkFailure, type LambdaFixture } from "./support.ts";

let fx: LambdaFixture;
before(async () => {
  fx = await lambdaFixture();
});
after(async () => fx.close());

const base = (name: string): CreateFunctionCommandInput => ({
  FunctionName: name,
  Runtime: "nodejs22.x",
  Handler: "index.handler",
  Role: fx.roleArn,
  Code: { ZipFile: codeZip("exports.handler = async () => 1;") },
});

async function failure(input: Partial<CreateFunctionCommandInput>): Promise<{ name: string; message: string; status: number | undefined }> {
  const error = await sdkFailure(fx.lambda.send(new CreateFunctionCommand({ ...base("invalid-fn"), ...input })));
  return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode };
}

describe("Lambda control plane", () => {
  it("creates a function Pending, becomes Active, reports code hash, size, ARN and LastModified as Lambda does", async () => {
    const zip = codeZip("exports.handler = async () => 'hi';");
    const created = await fx.lambda.send(new CreateFunctionCommand({ ...base("cp-one"), Code: { ZipFile: zip }, Environment: { Variables: { AA: "1" } }, Tags: { team: "x" } }));
    assert.equal(created.State, "Pending");
    assert.equal(created.StateReasonCode, "Creating");
    assert.equal(created.LastUpdateStatus, "InProgress");
    assert.equal(created.FunctionArn, "arn:aws:lambda:us-east-1:000000000000:function:cp-one");
    assert.equal(created.CodeSha256, createHash("sha256").update(zip).digest("base64"));
    assert.equal(created.CodeSize, zip.length);
    assert.match(created.LastModified ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.equal(created.Timeout, 3);
    assert.equal(created.MemorySize, 128);
    assert.equal(created.Version, "$LATEST");
    assert.deepEqual(created.Environment?.Variables, { AA: "1" });
    await createActive(fx, { FunctionName: "cp-wait" });
    const got = await fx.lambda.send(new GetFunctionCommand({ FunctionName: "cp-one" }));
    assert.equal(got.Configuration?.State, "Active");
    assert.equal(got.Configuration?.LastUpdateStatus, "Successful");
    assert.deepEqual(got.Tags, { team: "x" });
    const download = await fetch(got.Code?.Location ?? "");
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), zip);
    const byArn = await fx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: created.FunctionArn }));
    assert.equal(byArn.FunctionName, "cp-one");
  });

  it("refuses a second function of the same name and unknown functions", async () => {
    const dup = await failure({ FunctionName: "cp-one" });
    assert.equal(dup.name, "ResourceConflictException");
    assert.equal(dup.message, "Function already exist: cp-one");
    const missing = await sdkFailure(fx.lambda.send(new GetFunctionCommand({ FunctionName: "nope" })));
    assert.equal(missing.name, "ResourceNotFoundException");
    assert.equal(missing.message, "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope");
    assert.equal(missing.$metadata.httpStatusCode, 404);
  });

  it("validates as AWS: role, runtime, handler, memory, timeout, name, code and environment", async () => {
    assert.deepEqual(await failure({ Role: "arn:aws:iam::000000000000:role/missing" }), {
      name: "InvalidParameterValueException",
      message: "The role defined for the function cannot be assumed by Lambda.",
      status: 400,
    });
    assert.equal((await failure({ Role: "not-a-role" })).name, "ValidationException");
    const deprecated = await failure({ Runtime: "nodejs16.x" });
    assert.equal(deprecated.name, "InvalidParameterValueException");
    assert.match(deprecated.message, /The runtime parameter of nodejs16.x is no longer supported/);
    assert.equal((await failure({ Runtime: "cobol9" as "nodejs22.x" })).name, "ValidationException");
    assert.equal((await failure({ Handler: "has space" })).name, "ValidationException");
    assert.match((await failure({ MemorySize: 64 })).message, /memorySize.*greater than or equal to 128/);
    assert.match((await failure({ MemorySize: 10241 })).message, /less than or equal to 10240/);
    assert.match((await failure({ Timeout: 0 })).message, /timeout.*greater than or equal to 1/);
    assert.match((await failure({ Timeout: 901 })).message, /less than or equal to 900/);
    assert.equal((await failure({ FunctionName: "bad name!" })).name, "ValidationException");
    const s3 = await failure({ Code: { S3Bucket: "b", S3Key: "k.zip" } });
    assert.equal(s3.name, "InvalidParameterValueException");
    assert.match(s3.message, /S3/);
    assert.match((await failure({ Code: { ZipFile: Buffer.from("not a zip") } })).message, /Could not unzip uploaded file/);
    const big = await failure({ Environment: { Variables: { BIG: "x".repeat(5000) } } });
    assert.match(big.message, /exceeded the 4KB limit/);
    assert.match((await failure({ Environment: { Variables: { AWS_REGION: "x" } } })).message, /reserved keys/);
  });

  it("enforces the code size limits: 50 MB zipped (413), 250 MB unzipped", async () => {
    const { zipOf } = await import("./support.ts");
    const zipped = zipOf({ "index.js": "exports.handler = async () => 1;", "blob.bin": { content: Buffer.alloc(51 * 1024 * 1024, 7), stored: true } });
    const tooBig = await failure({ FunctionName: "too-big", Code: { ZipFile: zipped } });
    assert.equal(tooBig.name, "RequestEntityTooLargeException");
    assert.equal(tooBig.status, 413);
    const unzipped = zipOf({ "index.js": "exports.handler = async () => 1;", "zeros.bin": Buffer.alloc(251 * 1024 * 1024) });
    const tooLarge = await failure({ FunctionName: "too-large", Code: { ZipFile: unzipped } });
    assert.equal(tooLarge.name, "InvalidParameterValueException");
    assert.equal(tooLarge.message, "Unzipped size must be smaller than 262144000 bytes");
  });

  it("lists functions with Marker/MaxItems paging", async () => {
    for (const n of [1, 2, 3]) await fx.lambda.send(new CreateFunctionCommand(base(`page-${n}`)));
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await fx.lambda.send(new ListFunctionsCommand({ MaxItems: 2, ...(marker ? { Marker: marker } : {}) }));
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName ?? ""));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    assert.ok(pages >= 3);
    for (const n of ["page-1", "page-2", "page-3", "cp-one"]) assert.ok(names.includes(n), n);
  });

  it("updates code and configuration with new RevisionIds, InProgress then Successful; a stale RevisionId fails", async () => {
    await createActive(fx, { FunctionName: "cp-update" });
    const before = await fx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "cp-update" }));
    const zip = codeZip("exports.handler = async () => 2;");
    const updated = await fx.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: "cp-update", ZipFile: zip, RevisionId: before.RevisionId }));
    assert.equal(updated.LastUpdateStatus, "InProgress");
    assert.notEqual(updated.RevisionId, before.RevisionId);
    assert.equal(updated.CodeSha256, createHash("sha256").update(zip).digest("base64"));
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "cp-update" });
    const stale = await sdkFailure(fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "cp-update", MemorySize: 256, RevisionId: before.RevisionId })));
    assert.equal(stale.name, "PreconditionFailedException");
    const config = await fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "cp-update", MemorySize: 256, Timeout: 10, Description: "d" }));
    assert.equal(config.MemorySize, 256);
    assert.equal(config.Timeout, 10);
    const busy = await sdkFailure(fx.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "cp-update", Timeout: 11 })));
    assert.equal(busy.name, "ResourceConflictException");
    await waitUntilFunctionUpdatedV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: "cp-update" });
    const after = await fx.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: "cp-update" }));
    assert.equal(after.LastUpdateStatus, "Successful");
    assert.equal(after.Description, "d");
  });

  it("tags, untags and lists tags by ARN", async () => {
    const arn = "arn:aws:lambda:us-east-1:000000000000:function:cp-one";
    await fx.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { a: "1", b: "2" } }));
    await fx.lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ["team"] }));
    assert.deepEqual((await fx.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags, { a: "1", b: "2" });
  });

  it("adds, reads and removes resource policy statements", async () => {
    const added = await fx.lambda.send(new AddPermissionCommand({ FunctionName: "cp-one", StatementId: "s3", Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com", SourceArn: "arn:aws:s3:::bucket" }));
    assert.deepEqual(JSON.parse(added.Statement ?? "{}").Principal, { Service: "s3.amazonaws.com" });
    const dup = await sdkFailure(fx.lambda.send(new AddPermissionCommand({ FunctionName: "cp-one", StatementId: "s3", Action: "lambda:InvokeFunction", Principal: "*" })));
    assert.equal(dup.name, "ResourceConflictException");
    const policy = JSON.parse((await fx.lambda.send(new GetPolicyCommand({ FunctionName: "cp-one" }))).Policy ?? "{}");
    assert.equal(policy.Statement[0].Condition.ArnLike["AWS:SourceArn"], "arn:aws:s3:::bucket");
    await fx.lambda.send(new RemovePermissionCommand({ FunctionName: "cp-one", StatementId: "s3" }));
    assert.equal((await sdkFailure(fx.lambda.send(new GetPolicyCommand({ FunctionName: "cp-one" })))).name, "ResourceNotFoundException");
  });

  it("reserves concurrency within the account limit and reports account settings", async () => {
    await fx.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: "cp-one", ReservedConcurrentExecutions: 5 }));
    assert.equal((await fx.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: "cp-one" }))).ReservedConcurrentExecutions, 5);
    const settings = await fx.lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.ConcurrentExecutions, 1000);
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 995);
    const tooMuch = await sdkFailure(fx.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: "cp-one", ReservedConcurrentExecutions: 950 })));
    assert.match(tooMuch.message, /UnreservedConcurrentExecution below its minimum value of \[100\]/);
    await fx.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: "cp-one" }));
    assert.equal((await fx.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: "cp-one" }))).ReservedConcurrentExecutions, undefined);
  });

  it("answers the settings Stratus keeps at their defaults (what Terraform reads)", async () => {
    const { GetFunctionCodeSigningConfigCommand, GetRuntimeManagementConfigCommand } = await import("@aws-sdk/client-lambda");
    const signing = await fx.lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: "cp-one" }));
    assert.equal(signing.FunctionName, "cp-one");
    assert.equal(signing.CodeSigningConfigArn, "");
    assert.equal((await fx.lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: "cp-one" }))).UpdateRuntimeOn, "Auto");
  });

  it("deletes a function", async () => {
    await fx.lambda.send(new DeleteFunctionCommand({ FunctionName: "page-3" }));
    assert.equal((await sdkFailure(fx.lambda.send(new GetFunctionCommand({ FunctionName: "page-3" })))).name, "ResourceNotFoundException");
    assert.equal((await sdkFailure(fx.lambda.send(new DeleteFunctionCommand({ FunctionName: "page-3" })))).name, "ResourceNotFoundException");
  });
});
