/** Function code as uploaded: zip checks and limits as AWS applies them, the blob store, the download URL, hot-reload directories. */
import { statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { AwsError } from "../../shared/aws-error.ts";
import { readZip, ZipError } from "../../shared/zip-reader.ts";
import type { StateStore } from "../../state/state-store.ts";
import { invalidParameter } from "./errors.ts";

export const ZIPPED_LIMIT = 50 * 1024 * 1024;
export const UNZIPPED_LIMIT = 250 * 1024 * 1024;
/** The bucket name that means "run the code from the local directory named by S3Key" (the convention LocalStack users know). */
export const HOT_RELOAD_BUCKET = "hot-reload";

export interface StoredCode {
  codeDigest: string;
  CodeSha256: string;
  CodeSize: number;
  hotReloadDir?: string;
}

export interface CodeInput {
  ZipFile?: Uint8Array | undefined;
  S3Bucket?: string | undefined;
  S3Key?: string | undefined;
  ImageUri?: string | undefined;
}

/** Checks and stores the code of CreateFunction / UpdateFunctionCode. */
export function storeCode(state: StateStore, input: CodeInput, operation: string): StoredCode {
  if (input.ImageUri !== undefined) throw invalidParameter("Stratus does not run container image functions yet: use a .zip deployment package (ZipFile).");
  if (input.S3Bucket === HOT_RELOAD_BUCKET) return hotReload(input.S3Key);
  if (input.S3Bucket !== undefined || input.S3Key !== undefined) {
    throw invalidParameter(`Stratus does not support code from S3 (S3Bucket/S3Key) yet: upload the .zip as ZipFile, or use S3Bucket "${HOT_RELOAD_BUCKET}" with S3Key set to a local directory.`);
  }
  const zip = input.ZipFile;
  if (!zip || zip.length === 0) throw invalidParameter("Please provide a source for function code.");
  if (zip.length > ZIPPED_LIMIT) {
    // AWS measures the base64 request: 50 MB of zip is 69905067 bytes of request.
    throw new AwsError("RequestEntityTooLargeException", `Request must be smaller than 69905067 bytes for the ${operation} operation`, { status: 413 });
  }
  const bytes = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  let unzipped = 0;
  try {
    for (const entry of readZip(bytes)) unzipped += entry.uncompressedSize;
  } catch (error) {
    if (error instanceof ZipError) throw invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
    throw error;
  }
  if (unzipped > UNZIPPED_LIMIT) throw invalidParameter(`Unzipped size must be smaller than ${UNZIPPED_LIMIT} bytes`);
  const codeDigest = state.blobs.put(bytes);
  return { codeDigest, CodeSha256: Buffer.from(codeDigest, "hex").toString("base64"), CodeSize: bytes.length };
}

function hotReload(dir: string | undefined): StoredCode {
  if (!dir || !isAbsolute(dir)) throw invalidParameter(`With S3Bucket "${HOT_RELOAD_BUCKET}", S3Key must be an absolute path to a local directory.`);
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a directory");
  } catch {
    throw invalidParameter(`Hot-reload directory ${dir} does not exist or is not a directory.`);
  }
  // Hot-reloaded code has no fixed bytes (no blob): its "hash" names the directory.
  return { codeDigest: "", CodeSha256: Buffer.from(dir).toString("base64"), CodeSize: 0, hotReloadDir: dir };
}

/** Where GetFunction's Code.Location points: Stratus serves the zip itself (see admin-routes.ts). */
export const codeLocation = (endpoint: string, digest: string): string => `${endpoint}/_stratus/lambda/code/${digest}`;
