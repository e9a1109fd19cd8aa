/** REST routing and HTTP bindings (shared with restXml) against what the real S3 and Lambda SDK clients send and read. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CopyObjectCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { HttpRequest } from "../../src/protocol/http-types.ts";
import { ModelRegistry } from "../../src/protocol/model-registry.ts";
import {
  decodePathSegment,
  findRoute,
  httpBindings,
  matchRoute,
  parseQuery,
  readHttpBindings,
  splitHeaderList,
  writeHttpBindings,
} from "../../src/protocol/rest-binding.ts";
import { AwsError } from "../../src/shared/aws-error.ts";
import { clientConfig, createTransport, lastRequest, withoutMetadata } from "./sdk-harness.ts";

const registry = new ModelRegistry();
const s3 = registry.get("s3");
const lambda = registry.get("lambda");

function s3Setup() {
  const transport = createTransport();
  const client = new S3Client({
    ...clientConfig(transport),
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return { transport, client };
}

/** What the restXml codec will do for path-style requests: the first segment is the bucket, the rest is routed. */
function s3Parse(request: HttpRequest): { operation: string; input: Record<string, unknown> } {
  const rest = request.path.slice(1);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "/" : rest.slice(slash);
  const query = parseQuery(request.rawQuery);
  const match = matchRoute(s3, request.method, path, query, request.headers, bucket === "" ? {} : { Bucket: decodePathSegment(bucket) });
  const input: Record<string, unknown> = {};
  readHttpBindings(httpBindings(s3, s3.inputShape(match.operation)), { ...match, query, headers: request.headers }, "InvalidArgument", input);
  return { operation: match.operation, input };
}

describe("REST routing", () => {
  it("routes S3 requests by method, greedy key, query literals, x-id and the supplied bucket", async () => {
    const { transport, client } = s3Setup();
    const get = { Bucket: "bkt", Key: "dir/sub dir/ü%2F+x.txt", VersionId: "v1", Range: "bytes=0-9", IfModifiedSince: new Date(1_700_000_000_000), ResponseContentType: "text/plain", PartNumber: 2 };
    await client.send(new GetObjectCommand(get));
    assert.deepEqual(s3Parse(lastRequest(transport)), { operation: "GetObject", input: get });

    const list = { Bucket: "bkt", Prefix: "a b/", MaxKeys: 5, ContinuationToken: "tok=", FetchOwner: true, StartAfter: "k" };
    await client.send(new ListObjectsV2Command(list));
    assert.deepEqual(s3Parse(lastRequest(transport)), { operation: "ListObjectsV2", input: list });

    await client.send(new ListBucketsCommand({ MaxBuckets: 10 }));
    assert.deepEqual(s3Parse(lastRequest(transport)), { operation: "ListBuckets", input: { MaxBuckets: 10 } });

    const attributes = { Bucket: "bkt", Key: "k", ObjectAttributes: ["ETag" as const, "Checksum" as const, "ObjectSize" as const], MaxParts: 3 };
    await client.send(new GetObjectAttributesCommand(attributes));
    assert.deepEqual(s3Parse(lastRequest(transport)), { operation: "GetObjectAttributes", input: attributes });

    // CopyObject answers with a body even on success; an empty 200 would read as an aborted copy.
    transport.respond = () => ({ status: 200, headers: {}, body: "<CopyObjectResult><ETag>e</ETag></CopyObjectResult>" });
    await client.send(new CopyObjectCommand({ Bucket: "bkt", Key: "to", CopySource: "src/from" }));
    const copy = s3Parse(lastRequest(transport));
    assert.equal(copy.operation, "CopyObject");
    assert.equal(copy.input.CopySource, "src/from");
  });

  it("reads prefix headers and bodies' neighbours (PutObject Metadata, UploadPart query)", async () => {
    const { transport, client } = s3Setup();
    await client.send(new PutObjectCommand({ Bucket: "bkt", Key: "k", Body: "hello", Metadata: { owner: "me", "two-words": "a b" }, ContentType: "text/plain", Tagging: "a=b" }));
    const put = s3Parse(lastRequest(transport));
    assert.equal(put.operation, "PutObject");
    assert.deepEqual(put.input.Metadata, { owner: "me", "two-words": "a b" });
    assert.equal(put.input.ContentType, "text/plain");
    assert.equal(put.input.Tagging, "a=b");

    await client.send(new UploadPartCommand({ Bucket: "bkt", Key: "k", PartNumber: 3, UploadId: "up-1", Body: "x" }));
    const part = s3Parse(lastRequest(transport));
    assert.equal(part.operation, "UploadPart");
    assert.equal(part.input.PartNumber, 3);
    assert.equal(part.input.UploadId, "up-1");
  });

  it("routes botocore-style requests without x-id by the required members present", () => {
    const route = (method: string, path: string, rawQuery: string, headers: Record<string, string> = {}) =>
      findRoute(s3, method, path, parseQuery(rawQuery), headers, { Bucket: "b" })?.operation;
    assert.equal(route("GET", "/k", "uploadId=1"), "ListParts");
    assert.equal(route("GET", "/k", ""), "GetObject");
    assert.equal(route("GET", "/k", "tagging"), "GetObjectTagging");
    assert.equal(route("PUT", "/k", "partNumber=1&uploadId=2"), "UploadPart");
    assert.equal(route("PUT", "/k", "partNumber=1&uploadId=2", { "x-amz-copy-source": "b/x" }), "UploadPartCopy");
    assert.equal(route("PUT", "/k", "", { "x-amz-copy-source": "b/x" }), "CopyObject");
    assert.equal(route("DELETE", "/k", "uploadId=1"), "AbortMultipartUpload");
    assert.equal(route("GET", "/", ""), "ListObjects");
    assert.equal(route("GET", "/", "list-type=2"), "ListObjectsV2");
    assert.equal(findRoute(s3, "GET", "/", parseQuery(""), {}, {})?.operation, "ListBuckets");
    assert.equal(route("PUT", "/dir/", "")?.toString(), "PutObject");
    assert.deepEqual(findRoute(s3, "PUT", "/dir/", parseQuery(""), {}, { Bucket: "b" })?.labels, { Bucket: "b", Key: "dir/" });
  });

  it("picks the most specific Lambda route and tolerates a trailing slash", () => {
    const route = (method: string, path: string, rawQuery = "") => findRoute(lambda, method, path, parseQuery(rawQuery))?.operation;
    assert.equal(route("GET", "/2018-10-31/layers", "find=LayerVersion&Arn=x"), "GetLayerVersionByArn");
    assert.equal(route("GET", "/2018-10-31/layers"), "ListLayers");
    assert.equal(route("GET", "/2019-09-30/functions/f/provisioned-concurrency", "List=ALL"), "ListProvisionedConcurrencyConfigs");
    assert.equal(route("GET", "/2019-09-30/functions/f/provisioned-concurrency", "Qualifier=1"), "GetProvisionedConcurrencyConfig");
    assert.equal(route("GET", "/2015-03-31/functions/"), "ListFunctions");
    assert.equal(route("GET", "/2015-03-31/functions/f/"), "GetFunction");
    assert.equal(route("get", "/2015-03-31/functions/f"), "GetFunction");
    assert.equal(route("GET", "/2015-03-31/functions/f/nope"), undefined);
    assert.throws(
      () => matchRoute(lambda, "PUT", "/2015-03-31/functions", parseQuery("")),
      (error: unknown) => error instanceof AwsError && error.code === "UnknownOperationException" && error.status === 404,
    );
  });
});

describe("HTTP bindings", () => {
  it("splits list headers with quoting and RFC 7231 dates", () => {
    assert.deepEqual(splitHeaderList('a, "b,c" , "d\\"e",f', "string", { t: "string" }), ["a", "b,c", 'd"e', "f"]);
    assert.deepEqual(splitHeaderList("", "string", { t: "string" }), []);
    assert.deepEqual(splitHeaderList("Tue, 14 Nov 2023 22:13:20 GMT, Wed, 15 Nov 2023 22:13:20 GMT", "timestamp", { t: "timestamp" }), [
      "Tue, 14 Nov 2023 22:13:20 GMT",
      "Wed, 15 Nov 2023 22:13:20 GMT",
    ]);
  });

  it("rejects values of the wrong type with the caller's error code", () => {
    const bindings = httpBindings(s3, s3.inputShape("GetObject"));
    const labels = { Bucket: "b", Key: "k" };
    const isInvalid = (error: unknown) => error instanceof AwsError && error.code === "InvalidArgument";
    assert.throws(() => readHttpBindings(bindings, { labels, query: parseQuery(""), headers: { "if-modified-since": "someday" } }, "InvalidArgument", {}), isInvalid);
    assert.throws(() => readHttpBindings(bindings, { labels, query: parseQuery("partNumber=two"), headers: {} }, "InvalidArgument", {}), isInvalid);
  });

  it("writes header, prefix-header and timestamp members the S3 SDK reads back", async () => {
    const { transport, client } = s3Setup();
    const output = {
      ContentLength: 11,
      ContentType: "text/plain",
      ETag: '"abc"',
      LastModified: new Date(1_700_000_000_000),
      Metadata: { owner: "me" },
      DeleteMarker: false,
      VersionId: "v1",
      MissingMeta: 0,
    };
    const headers: Record<string, string> = {};
    assert.equal(writeHttpBindings(httpBindings(s3, s3.outputShape("HeadObject")), output, headers), undefined);
    assert.equal(headers["Last-Modified"], "Tue, 14 Nov 2023 22:13:20 GMT");
    assert.equal(headers["x-amz-meta-owner"], "me");
    transport.respond = () => ({ status: 200, headers, body: "" });
    const result = await client.send(new HeadObjectCommand({ Bucket: "b", Key: "k" }));
    assert.deepEqual(withoutMetadata(result), output);
  });
});
