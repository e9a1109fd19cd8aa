/** The restXml codec against the real S3 SDK client (path-style), plus the XML reader on its own. */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { HttpRequest } from "../../src/protocol/http-types.ts";
import { ModelRegistry } from "../../src/protocol/model-registry.ts";
import { restXmlCodec } from "../../src/protocol/rest-xml-codec.ts";
import { parseXml } from "../../src/protocol/xml-reader.ts";
import { AwsError } from "../../src/shared/aws-error.ts";
import { clientConfig, createTransport, lastRequest, withoutMetadata } from "./sdk-harness.ts";

const model = new ModelRegistry().get("s3");

function setup() {
  const capture = createTransport(restXmlCodec, model);
  return { capture, client: new S3Client({ ...clientConfig(capture), forcePathStyle: true }) };
}

/** Members the SDK adds on its own (checksums, lengths) are not part of what the caller passed. */
function callerInput(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!key.startsWith("Checksum") && key !== "ContentLength" && key !== "ContentMD5") out[key] = value;
  }
  return out;
}

const parse = (request: HttpRequest) => restXmlCodec.parseRequest(request, model);

describe("restXml codec: requests the S3 SDK sends", () => {
  it("parses PutObject with headers, metadata and a raw body", async () => {
    const { capture, client } = setup();
    const input = {
      Bucket: "my-bucket",
      Key: "dir/sub dir/ü+file?.bin",
      Body: new Uint8Array([0, 1, 2, 250, 251, 255]),
      ContentType: "application/x-thing",
      CacheControl: "no-cache",
      Metadata: { owner: "me", "multi-word": "a b" },
      Tagging: "a=1&b=2",
      StorageClass: "STANDARD_IA" as const,
    };
    // A copy goes to the SDK, so the expectation stays what the caller passed.
    await client.send(new PutObjectCommand({ ...input, Metadata: { ...input.Metadata } }));
    const parsed = parse(lastRequest(capture));
    assert.equal(parsed.operation, "PutObject");
    assert.deepEqual(callerInput(parsed.input), input);
  });

  it("decodes an aws-chunked streaming upload", async () => {
    const { capture, client } = setup();
    const text = "hello ".repeat(5000);
    await client.send(
      new PutObjectCommand({ Bucket: "b", Key: "stream.txt", Body: Readable.from([Buffer.from(text)]), ContentLength: text.length, ChecksumAlgorithm: "CRC32" }),
    );
    const parsed = parse(lastRequest(capture));
    assert.equal(Buffer.from(parsed.input.Body as Uint8Array).toString(), text);
    assert.equal(parsed.input.ContentLength, text.length);
    assert.equal(typeof parsed.input.ChecksumCRC32, "string");
  });

  it("routes GetObject, HeadObject, ListObjectsV2 and ListBuckets", async () => {
    const { capture, client } = setup();
    const since = new Date("2024-01-02T03:04:05Z");
    await client.send(new GetObjectCommand({ Bucket: "b", Key: "a/b c.txt", Range: "bytes=0-9", ResponseContentType: "text/plain", IfModifiedSince: since }));
    const get = parse(lastRequest(capture));
    assert.equal(get.operation, "GetObject");
    assert.deepEqual(callerInput(get.input), { Bucket: "b", Key: "a/b c.txt", Range: "bytes=0-9", ResponseContentType: "text/plain", IfModifiedSince: since });
    await client.send(new HeadObjectCommand({ Bucket: "b", Key: "k" }));
    assert.deepEqual(parse(lastRequest(capture)), { operation: "HeadObject", input: { Bucket: "b", Key: "k" } });
    const list = { Bucket: "b", Prefix: "logs/2024 01/", Delimiter: "/", MaxKeys: 100, ContinuationToken: "tok+/=", FetchOwner: true };
    await client.send(new ListObjectsV2Command(list));
    assert.deepEqual(parse(lastRequest(capture)), { operation: "ListObjectsV2", input: list });
    await client.send(new ListBucketsCommand({}));
    assert.equal(parse(lastRequest(capture)).operation, "ListBuckets");
  });

  it("reads XML payloads: CreateBucket, PutBucketTagging, DeleteObjects, CompleteMultipartUpload", async () => {
    const { capture, client } = setup();
    await client.send(new CreateBucketCommand({ Bucket: "new-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    assert.deepEqual(parse(lastRequest(capture)), {
      operation: "CreateBucket",
      input: { Bucket: "new-bucket", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } },
    });
    const tagging = { TagSet: [{ Key: "env", Value: "a<b>&\"c\"" }, { Key: "empty", Value: "" }] };
    await client.send(new PutBucketTaggingCommand({ Bucket: "b", Tagging: tagging }));
    assert.deepEqual(callerInput(parse(lastRequest(capture)).input), { Bucket: "b", Tagging: tagging });
    const del = { Objects: [{ Key: "one" }, { Key: "two & three", VersionId: "v1" }], Quiet: true };
    await client.send(new DeleteObjectsCommand({ Bucket: "b", Delete: del }));
    assert.deepEqual(callerInput(parse(lastRequest(capture)).input), { Bucket: "b", Delete: del });
    const parts = { Parts: [{ PartNumber: 1, ETag: '"e1"' }, { PartNumber: 2, ETag: '"e2"' }] };
    await client.send(new CompleteMultipartUploadCommand({ Bucket: "b", Key: "big", UploadId: "u-1", MultipartUpload: parts }));
    assert.deepEqual(callerInput(parse(lastRequest(capture)).input), { Bucket: "b", Key: "big", UploadId: "u-1", MultipartUpload: parts });
  });

  it("reads attributes in other namespaces (Grantee xsi:type)", async () => {
    const { capture, client } = setup();
    const policy = {
      Owner: { ID: "owner-id" },
      Grants: [
        { Grantee: { Type: "CanonicalUser" as const, ID: "user-id" }, Permission: "FULL_CONTROL" as const },
        { Grantee: { Type: "Group" as const, URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "READ" as const },
      ],
    };
    await client.send(new PutBucketAclCommand({ Bucket: "b", AccessControlPolicy: policy }));
    assert.deepEqual(callerInput(parse(lastRequest(capture)).input), { Bucket: "b", AccessControlPolicy: policy });
  });

  it("rejects malformed XML and unroutable requests", () => {
    const request = (method: string, path: string, rawQuery: string, body: string): HttpRequest => ({
      method,
      path,
      rawQuery,
      headers: { "content-type": "application/xml" },
      body: Buffer.from(body),
    });
    const codeOf = (r: HttpRequest): string => {
      try {
        parse(r);
      } catch (error) {
        assert.ok(error instanceof AwsError);
        return error.code;
      }
      return "no error";
    };
    assert.equal(codeOf(request("PUT", "/b", "tagging", "<Tagging><TagSet></Tagging>")), "MalformedXML");
    assert.equal(codeOf(request("PUT", "/b", "tagging", "<Tagging>&bogus;</Tagging>")), "MalformedXML");
    assert.equal(codeOf(request("GET", "/b", "list-type=2&max-keys=lots", "")), "InvalidArgument");
    assert.equal(codeOf(request("PATCH", "/b/k", "", "")), "UnknownOperationException");
  });
});

describe("restXml codec: responses the S3 SDK reads", () => {
  it("round-trips GetObject bytes and headers", async () => {
    const { capture, client } = setup();
    const bytes = Buffer.from([0, 1, 2, 3, 254, 255]);
    const lastModified = new Date("2024-01-02T03:04:05Z");
    capture.respond = () =>
      restXmlCodec.serializeResponse(
        model,
        "GetObject",
        { Body: bytes, ContentType: "image/png", ContentLength: bytes.length, ETag: '"abc"', LastModified: lastModified, Metadata: { owner: "me" } },
        "req-1",
      );
    const result = await client.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));
    assert.deepEqual(Buffer.from(await result.Body!.transformToByteArray()), bytes);
    assert.equal(result.ContentType, "image/png");
    assert.equal(result.ContentLength, bytes.length);
    assert.equal(result.ETag, '"abc"');
    assert.deepEqual(result.LastModified, lastModified);
    assert.deepEqual(result.Metadata, { owner: "me" });
  });

  it("round-trips ListObjectsV2 (flattened lists) and ListBuckets", async () => {
    const { capture, client } = setup();
    const listing = {
      IsTruncated: true,
      Contents: [
        { Key: "a & b.txt", LastModified: new Date("2024-01-02T03:04:05.123Z"), ETag: '"e1"', Size: 12, StorageClass: "STANDARD" as const, Owner: { ID: "o", DisplayName: "me" } },
        { Key: "c/ü.txt", LastModified: new Date("2024-01-03T00:00:00Z"), Size: 0 },
      ],
      Name: "b",
      Prefix: "",
      Delimiter: "/",
      MaxKeys: 1000,
      CommonPrefixes: [{ Prefix: "logs/" }],
      KeyCount: 3,
      NextContinuationToken: "next",
    };
    capture.respond = () => restXmlCodec.serializeResponse(model, "ListObjectsV2", listing, "req-1");
    const result = withoutMetadata(await client.send(new ListObjectsV2Command({ Bucket: "b" })));
    assert.deepEqual(result, listing);
    const buckets = { Buckets: [{ Name: "one", CreationDate: new Date("2024-01-01T00:00:00Z"), BucketRegion: "us-east-1" }, { Name: "two" }], Owner: { ID: "o" } };
    capture.respond = () => restXmlCodec.serializeResponse(model, "ListBuckets", buckets, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new ListBucketsCommand({}))), buckets);
  });

  it("writes namespaced attributes, payload structures, strings and the bucket location", async () => {
    const { capture, client } = setup();
    const acl = {
      Owner: { ID: "owner-id" },
      Grants: [{ Grantee: { Type: "CanonicalUser" as const, ID: "user-id", DisplayName: "me" }, Permission: "FULL_CONTROL" as const }],
    };
    capture.respond = () => restXmlCodec.serializeResponse(model, "GetBucketAcl", acl, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new GetBucketAclCommand({ Bucket: "b" }))), acl);

    const copied = { CopyObjectResult: { ETag: '"e"', LastModified: new Date("2024-05-06T07:08:09Z") }, VersionId: "v2" };
    capture.respond = () => restXmlCodec.serializeResponse(model, "CopyObject", copied, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new CopyObjectCommand({ Bucket: "b", Key: "k", CopySource: "b/src" }))), copied);

    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    capture.respond = () => restXmlCodec.serializeResponse(model, "GetBucketPolicy", { Policy: policy }, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new GetBucketPolicyCommand({ Bucket: "b" }))), { Policy: policy });

    capture.respond = () => restXmlCodec.serializeResponse(model, "GetBucketLocation", { LocationConstraint: "eu-west-1" }, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new GetBucketLocationCommand({ Bucket: "b" }))), { LocationConstraint: "eu-west-1" });
    capture.respond = () => restXmlCodec.serializeResponse(model, "GetBucketLocation", {}, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new GetBucketLocationCommand({ Bucket: "b" }))), {});
  });

  it("round-trips DeleteObjects results and HEAD headers", async () => {
    const { capture, client } = setup();
    const deleted = { Deleted: [{ Key: "one" }, { Key: "two", VersionId: "v", DeleteMarker: true }], Errors: [{ Key: "x", Code: "AccessDenied", Message: "no" }] };
    capture.respond = () => restXmlCodec.serializeResponse(model, "DeleteObjects", deleted, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new DeleteObjectsCommand({ Bucket: "b", Delete: { Objects: [{ Key: "one" }] } }))), deleted);
    capture.respond = () => restXmlCodec.serializeResponse(model, "HeadObject", { ContentLength: 42, ETag: '"e"', ContentType: "text/plain" }, "req-1");
    const head = await client.send(new HeadObjectCommand({ Bucket: "b", Key: "k" }));
    assert.equal(head.ContentLength, 42);
    assert.equal(head.ContentType, "text/plain");
  });
});

describe("restXml codec: errors the S3 SDK reads", () => {
  it("writes S3 <Error> documents with modelled status and extra fields", async () => {
    const { capture, client } = setup();
    const response = restXmlCodec.serializeError(model, "GetObject", new AwsError("NoSuchKey", "The specified key does not exist.", { fields: { Key: "k" } }), "req-1");
    assert.equal(response.status, 404);
    assert.match(String(response.body), /<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message><Key>k<\/Key><RequestId>req-1<\/RequestId>/);
    capture.respond = () => response;
    await assert.rejects(client.send(new GetObjectCommand({ Bucket: "b", Key: "k" })), (error: Error & { $metadata: { httpStatusCode?: number } }) => {
      assert.equal(error.name, "NoSuchKey");
      assert.equal(error.message, "The specified key does not exist.");
      assert.equal(error.$metadata.httpStatusCode, 404);
      return true;
    });
    capture.respond = () => restXmlCodec.serializeError(model, "ListObjectsV2", new AwsError("InvalidBucketName", "The specified bucket is not valid."), "req-1");
    await assert.rejects(client.send(new ListObjectsV2Command({ Bucket: "b" })), (error: Error & { $metadata: { httpStatusCode?: number } }) => {
      assert.equal(error.name, "InvalidBucketName");
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    });
  });

  it("answers HEAD errors without a body", async () => {
    const { capture, client } = setup();
    const response = restXmlCodec.serializeError(model, "HeadObject", new AwsError("NoSuchKey", "gone"), "req-1");
    assert.equal(response.body, "");
    capture.respond = () => response;
    await assert.rejects(client.send(new HeadObjectCommand({ Bucket: "b", Key: "k" })), (error: Error & { $metadata: { httpStatusCode?: number } }) => {
      assert.equal(error.name, "NotFound");
      assert.equal(error.$metadata.httpStatusCode, 404);
      return true;
    });
  });
});

describe("xml reader", () => {
  it("parses declarations, comments, CDATA, entities and attributes", () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a xmlns="urn:x" k=\'v&amp;w\'><b>1 &lt; 2 &#x1F680; &#13;</b><c><![CDATA[<raw>&]]></c><d/></a>',
    );
    assert.equal(root.name, "a");
    assert.equal(root.attributes.k, "v&w");
    assert.deepEqual(
      root.children.map((c) => [c.name, c.text]),
      [
        ["b", "1 < 2 🚀 \r"],
        ["c", "<raw>&"],
        ["d", ""],
      ],
    );
  });
  it("rejects what is not well-formed", () => {
    for (const bad of ["", "<a>", "<a></b>", "<a><b></a></b>", "<a x=1/>", "<a/><b/>", "text", '<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', "<a>&#0;</a>", "<a x='1' x='2'/>"]) {
      assert.throws(() => parseXml(bad), (error: unknown) => error instanceof AwsError && error.code === "MalformedXML", bad);
    }
  });
  it("handles deep nesting without recursion", () => {
    const depth = 20000;
    const root = parseXml("<a>".repeat(depth) + "x" + "</a>".repeat(depth));
    let node = root;
    for (let i = 1; i < depth; i++) node = node.children[0] ?? node;
    assert.equal(node.text, "x");
  });
});
