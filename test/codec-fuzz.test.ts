/** Codec differential fuzz: the real AWS SDK clients judge every operation of every service, both ways, and every modelled error. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, test } from "node:test";
import { ServiceDetector, type Detected } from "../src/gateway/detect.ts";
import { callerScope } from "../src/gateway/identity.ts";
import { loadCodec } from "../src/protocol/codecs.ts";
import type { HttpRequest } from "../src/protocol/http-types.ts";
import { ModelRegistry } from "../src/protocol/model-registry.ts";
import { ServiceFuzzer, type Failure, type ServiceProfile, type ServiceReport } from "./support/fuzz-service.ts";
import { SdkOracle } from "./support/sdk-oracle.ts";

/**
 * Operations (or one phase of one: `Op:request`, `Op:response`; or an error: `!Shape`) that cannot pass for a
 * reason outside the codecs. Whole operations listed here are not run; phases and errors run and may fail.
 */
const EXCEPTIONS: Record<string, Record<string, string>> = {
  "cloudwatch-logs": {
    StartLiveTail: "event stream response (application/vnd.amazon.eventstream) on a `stream-` host prefix",
    GetLogObject: "event stream response (application/vnd.amazon.eventstream) on a `stream-` host prefix",
  },
  lambda: {
    InvokeWithResponseStream: "event stream response (application/vnd.amazon.eventstream)",
  },
  s3: {
    SelectObjectContent: "event stream response (application/vnd.amazon.eventstream)",
  },
  cloudwatch: {
    "!DashboardNotFoundError":
      "shares the awsQuery code ResourceNotFound with the ResourceNotFound shape; a query-compatible SDK names the error by that code",
  },
};

/** Per-service limits of what the SDK sends unchanged; each says why. */
const PROFILES: Record<string, Omit<ServiceProfile, "exceptions">> = {
  ec2: {
    extraErrors: [
      { code: "InvalidInstanceID.NotFound", status: 400 },
      { code: "DryRunOperation", status: 412 },
    ],
    // The SDK's CopySnapshot middleware presigns a URL and sets DestinationRegion itself.
    requestMayAdd: (site, operation) => operation === "CopySnapshot" && (site.member === "PresignedUrl" || site.member === "DestinationRegion"),
  },
  eventbridge: {
    // A global endpoint (EndpointId) makes the SDK sign with SigV4a, which needs a package not installed here.
    input: { omit: (struct, member) => struct === "PutEventsRequest" && member === "EndpointId" },
  },
  s3: {
    // The SDK computes checksums: the algorithm must be one it implements, and it adds the header
    // (x-amz-sdk-checksum-algorithm, x-amz-checksum-*) to operations that require one.
    // Checksums and Content-Length are the payload's: generated ones would contradict the body (and a
    // checksum given stops the SDK from computing its own, so its aws-chunked uploads would go untested).
    input: {
      choices: new Map([["*.ChecksumAlgorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"]]]),
      omit: (_struct, member) => S3_CHECKSUMS.test(member) || member === "ContentLength",
    },
    // It labels a blob payload sent without a ContentType as application/octet-stream, and gives the payload's
    // length as Content-Length.
    requestMayAdd: (site, _operation, actual, input) =>
      site.top &&
      (site.member === "ChecksumAlgorithm" ||
        S3_CHECKSUMS.test(site.member) ||
        (site.member === "ContentType" && actual === "application/octet-stream") ||
        (site.member === "ContentLength" && actual === payloadLength(input))),
    expectInput: (_operation, input) => withSseCustomerKeys(input),
    // S3 always answers these with a result element, and the SDK treats an empty 200 as an aborted copy.
    // ExpiresString is no wire member: the SDK fills it with the raw text of the Expires header.
    output: {
      require: new Set(["CopyObjectOutput.CopyObjectResult", "UploadPartCopyOutput.CopyPartResult"]),
      omit: (_struct, member) => member === "ExpiresString",
    },
    expectOutput: (_operation, output) =>
      output.Expires instanceof Date ? { ...output, ExpiresString: output.Expires.toUTCString() } : output,
  },
};

/** S3 request members holding a checksum of the payload, which the SDK computes. */
const S3_CHECKSUMS = /^(Checksum(CRC|SHA|MD5|XXHASH)\w*|ContentMD5)$/;

/** Byte length of an S3 request's streaming payload (Body, or PutObjectAnnotation's AnnotationPayload). */
function payloadLength(input: Record<string, unknown>): number {
  const payload = input.Body ?? input.AnnotationPayload;
  return payload instanceof Uint8Array ? payload.byteLength : 0;
}

/** The S3 SDK sends an SSE-C key base64-encoded and sets its MD5 itself. */
function withSseCustomerKeys(input: Record<string, unknown>): Record<string, unknown> {
  const out = { ...input };
  for (const prefix of ["SSECustomer", "CopySourceSSECustomer"]) {
    const key = out[`${prefix}Key`];
    if (typeof key !== "string") continue;
    out[`${prefix}Key`] = Buffer.from(key, "utf8").toString("base64");
    out[`${prefix}KeyMD5`] = createHash("md5").update(key, "utf8").digest("base64");
  }
  return out;
}

/**
 * Client options beyond the shared ones: S3 addressed path-style; request checksums at the default users have,
 * but response checksums checked only when asked for (generated checksum headers do not match generated bodies).
 */
const CLIENT_CONFIG: Record<string, Record<string, unknown>> = {
  s3: { forcePathStyle: true, responseChecksumValidation: "WHEN_REQUIRED" },
};

const registry = new ModelRegistry();
const detector = new ServiceDetector(registry.index);
const detect = (request: HttpRequest): Detected | undefined => detector.detect(request, callerScope(request).signingService);
const reports: ServiceReport[] = [];
/** Rounds per operation (typical, every member, sparse); FUZZ_SERVICES=a,b limits the services for a quick look. */
const rounds = Number(process.env.FUZZ_ROUNDS ?? 3);
const only = process.env.FUZZ_SERVICES?.split(",").filter((id) => id !== "");

for (const id of registry.serviceIds()) {
  if (only && !only.includes(id)) continue;
  test(`codec fuzz: ${id}`, async () => {
    const loaded = registry.get(id);
    // The gateway must detect the model's protocol from what the SDK sends (CloudWatch: awsJson1_0, not awsQuery).
    const codec = await loadCodec(loaded.model.protocol);
    const oracle = await SdkOracle.load(loaded.model.sdkPackage, CLIENT_CONFIG[id]);
    try {
      const exceptions = new Map(Object.entries(EXCEPTIONS[id] ?? {}));
      const report = await new ServiceFuzzer(loaded, codec, oracle, { exceptions, detect, ...PROFILES[id] }, rounds).run();
      reports.push(report);
      const unexpected = report.failures.filter((failure) => failure.excepted === undefined);
      assert.equal(unexpected.length, 0, `${unexpected.length} unexpected failures in ${id}:\n${describe(unexpected, 80)}`);
    } finally {
      oracle.destroy();
    }
  });
}

function describe(failures: Failure[], limit: number): string {
  const lines = failures.slice(0, limit).map((failure) => `  ${failure.operation} [${failure.phase}] ${failure.message}`);
  if (failures.length > limit) lines.push(`  … and ${failures.length - limit} more`);
  return lines.join("\n");
}

after(() => {
  const rows = reports.map((r) => [r.service, r.operations, r.checked, r.excepted, r.failed, r.errorsChecked, r.errorsFailed] as const);
  const total = rows.reduce((sum, row) => sum.map((value, i) => (i === 0 ? value : Number(value) + Number(row[i]))), ["total", 0, 0, 0, 0, 0, 0] as (string | number)[]);
  const header = ["service", "ops", "checked", "excepted", "failed", "errors", "errors failed"];
  const table = [header, ...rows.map((row) => row.map(String)), total.map(String)];
  const widths = header.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  const lines = table.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
  const stale = reports.flatMap((r) => r.stale.map((key) => `${r.service}:${key}`));
  const tolerated = reports.flatMap((r) => r.failures.filter((failure) => failure.excepted !== undefined));
  console.log(`\ncodec fuzz summary\n${lines.join("\n")}`);
  if (tolerated.length > 0) console.log(`excepted failures (${tolerated.length}):\n${describe(tolerated, 20)}`);
  if (stale.length > 0) console.log(`exceptions that no longer fail: ${stale.join(", ")}`);
});
