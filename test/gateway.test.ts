/** Every protocol's error paths through real clients: NotImplemented, validation, malformed input, limits, CORS. */
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { EC2Client, DescribeIpamPoolsCommand } from "@aws-sdk/client-ec2";
import { ECSClient, ListServicesByNamespaceCommand } from "@aws-sdk/client-ecs";
import { LambdaClient, GetCodeSigningConfigCommand } from "@aws-sdk/client-lambda";
import { CloudWatchClient, ListManagedInsightRulesCommand } from "@aws-sdk/client-cloudwatch";
import { S3Client, GetBucketAccelerateConfigurationCommand } from "@aws-sdk/client-s3";
import { EKSClient, ListAccessPoliciesCommand } from "@aws-sdk/client-eks";
import { sdkFailure } from "./support/assertions.ts";
import { clientConfig, startStratus, type RunningStratus } from "./support/server.ts";

let server: RunningStratus;
before(async () => {
  server = await startStratus({ args: ["--max-body-bytes", "65536"] });
});
after(async () => {
  await server.stop();
});

const form = { "content-type": "application/x-www-form-urlencoded; charset=utf-8" };
const signedFor = (service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0` });

test("an operation without a handler answers 501 NotImplemented in each protocol, naming it", async () => {
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    ["ec2", () => new EC2Client(clientConfig(server.endpoint)).send(new DescribeIpamPoolsCommand({})), "DescribeIpamPools"],
    ["awsJson1.1", () => new ECSClient(clientConfig(server.endpoint)).send(new ListServicesByNamespaceCommand({ namespace: "n" })), "ListServicesByNamespace"],
    ["awsJson1.0", () => new CloudWatchClient(clientConfig(server.endpoint)).send(new ListManagedInsightRulesCommand({ ResourceARN: "arn:aws:x" })), "ListManagedInsightRules"],
    ["restJson1", () => new LambdaClient(clientConfig(server.endpoint)).send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-1" })), "GetCodeSigningConfig"],
    ["restJson1 (EKS)", () => new EKSClient(clientConfig(server.endpoint)).send(new ListAccessPoliciesCommand({})), "ListAccessPolicies"],
    ["restXml", () => new S3Client({ ...clientConfig(server.endpoint), forcePathStyle: true }).send(new GetBucketAccelerateConfigurationCommand({ Bucket: "b" })), "GetBucketAccelerateConfiguration"],
  ];
  for (const [protocol, call, operation] of cases) {
    const failure = await sdkFailure(call());
    assert.equal(failure.name, "NotImplemented", `${protocol}: ${failure.name} ${failure.message}`);
    assert.equal(failure.$metadata.httpStatusCode, 501, protocol);
    assert.ok(failure.message.includes(operation), `${protocol}: message names ${operation}: ${failure.message}`);
    assert.ok(failure.$metadata.requestId, `${protocol}: request id`);
  }
});

test("CloudWatch also answers the query protocol that older CLIs send", async () => {
  const response = await fetch(server.endpoint, {
    method: "POST",
    headers: { ...form, ...signedFor("monitoring") },
    body: "Action=ListManagedInsightRules&Version=2010-08-01&ResourceARN=arn%3Aaws%3Ax",
  });
  assert.equal(response.status, 501);
  const body = await response.text();
  assert.match(body, /<ErrorResponse[^>]*>.*<Code>NotImplemented<\/Code>/s);
  assert.ok(response.headers.get("x-amzn-requestid"));
});

test("missing required members answer each protocol's validation error naming the member", async () => {
  const query = await fetch(server.endpoint, { method: "POST", headers: { ...form, ...signedFor("iam") }, body: "Action=GetRole&Version=2010-05-08" });
  assert.equal(query.status, 400);
  assert.match(await query.text(), /<Code>ValidationError<\/Code>.*roleName/s);
  const json = await fetch(server.endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListServicesByNamespace" },
    body: "{}",
  });
  assert.equal(json.status, 400);
  const payload = (await json.json()) as { __type: string; message: string };
  assert.equal(payload.__type, "ValidationException");
  assert.match(payload.message, /namespace/);
  const run = await fetch(server.endpoint, { method: "POST", headers: { ...form, ...signedFor("ec2") }, body: "Action=RunInstances&Version=2016-11-15&ImageId=ami-1" });
  assert.equal(run.status, 400);
  assert.match(await run.text(), /<Code>MissingParameter<\/Code>.*MaxCount/s);
});

test("malformed bodies, unknown operations and wrong types answer the protocol's error, never a bare 500", async () => {
  const badJson = await fetch(server.endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters" },
    body: "{not json",
  });
  assert.equal(badJson.status, 400);
  assert.equal(((await badJson.json()) as { __type: string }).__type, "SerializationException");

  const wrongType = await fetch(server.endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters" },
    body: JSON.stringify({ maxResults: "ten" }),
  });
  assert.equal(wrongType.status, 400);
  assert.equal(((await wrongType.json()) as { __type: string }).__type, "SerializationException");

  const unknownTarget = await fetch(server.endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.Frobnicate" },
    body: "{}",
  });
  assert.equal(unknownTarget.status, 400);
  assert.equal(((await unknownTarget.json()) as { __type: string }).__type, "UnknownOperationException");

  const unknownAction = await fetch(server.endpoint, { method: "POST", headers: { ...form, ...signedFor("iam") }, body: "Action=Frobnicate&Version=2010-05-08" });
  assert.equal(unknownAction.status, 400);
  assert.match(await unknownAction.text(), /<Code>InvalidAction<\/Code>/);

  const badNumber = await fetch(server.endpoint, { method: "POST", headers: { ...form, ...signedFor("iam") }, body: "Action=ListRoles&Version=2010-05-08&MaxItems=lots" });
  assert.equal(badNumber.status, 400);
  await badNumber.text();

  const badGzip = await fetch(server.endpoint, {
    method: "POST",
    headers: { ...form, ...signedFor("iam"), "content-encoding": "gzip" },
    body: "definitely not gzip",
  });
  assert.equal(badGzip.status, 400);
  assert.match(await badGzip.text(), /MalformedInput/);

  const nowhere = await fetch(`${server.endpoint}/nothing/here`, { method: "POST", body: "x" });
  assert.ok(nowhere.status >= 400 && nowhere.status < 500);
  await nowhere.text();
});

test("gzip request bodies are read", async () => {
  const body = gzipSync(Buffer.from("Action=GetCallerIdentity&Version=2011-06-15"));
  const response = await fetch(server.endpoint, { method: "POST", headers: { ...form, ...signedFor("sts"), "content-encoding": "gzip" }, body });
  assert.equal(response.status, 200);
  assert.match(await response.text(), /<Account>000000000000<\/Account>/);
});

test("a body over the limit answers 413 in the protocol's shape", async () => {
  const response = await fetch(server.endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerServiceV20141113.ListClusters" },
    body: JSON.stringify({ nextToken: "x".repeat(70_000) }),
  });
  assert.equal(response.status, 413);
  assert.equal(((await response.json()) as { __type: string }).__type, "RequestEntityTooLarge");
});

test("every response carries x-amzn-RequestId and CORS headers; preflight is answered", async () => {
  const preflight = await fetch(server.endpoint, {
    method: "OPTIONS",
    headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": "authorization,x-amz-target" },
  });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "http://localhost:3000");
  assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization,x-amz-target");
  const answer = await fetch(server.endpoint, { method: "POST", headers: { ...form, ...signedFor("sts"), origin: "http://localhost:3000" }, body: "Action=GetCallerIdentity&Version=2011-06-15" });
  assert.ok(answer.headers.get("x-amzn-requestid"));
  assert.match(answer.headers.get("access-control-expose-headers") ?? "", /x-amzn-RequestId/);
  await answer.text();
});
