/** Function code as uploaded: zip checks and limits as AWS applies them, the blob store, the download URL, hot-reload directories, container images. */
import { statSync } from "node:fs";
import { isAbsolute } from "node:path";
import { AwsError } from "../../shared/aws-error.ts";
import { readZip, ZipError } from "../../shared/zip-reader.ts";
import type { StateStore } from "../../state/state-store.ts";
import { ImageUnavailable } from "../../engine/lambda/image-environment.ts";
import { localImage, registryDigest } from "../../engine/lambda/image-resolve.ts";
import { awsImageScope, isRegistryImage, localImageReference, registryAuthFor } from "../ecr/api.ts";
import type { RequestContext } from "../service-types.ts";
import { invalidParameter } from "./errors.ts";
import type { ImageRecord } from "./state.ts";

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
  if (input.ImageUri !== undefined) throw invalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.");
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

export interface ImageConfigInput {
  EntryPoint?: string[] | undefined;
  Command?: string[] | undefined;
  WorkingDirectory?: string | undefined;
}

/** ImageConfig as stored: only the members given (AWS answers ImageConfigResponse with what was set). */
export function imageConfigOf(config: ImageConfigInput | undefined): Pick<ImageRecord, "EntryPoint" | "Command" | "WorkingDirectory"> {
  if (!config) return {};
  if ((config.EntryPoint?.length ?? 0) > 1500) throw invalidParameter("The EntryPoint in ImageConfig can have at most 1500 items.");
  if ((config.Command?.length ?? 0) > 1500) throw invalidParameter("The Command in ImageConfig can have at most 1500 items.");
  if ((config.WorkingDirectory?.length ?? 0) > 1000) throw invalidParameter("The WorkingDirectory in ImageConfig can be at most 1000 characters long.");
  return {
    ...(config.EntryPoint ? { EntryPoint: config.EntryPoint } : {}),
    ...(config.Command ? { Command: config.Command } : {}),
    ...(config.WorkingDirectory !== undefined ? { WorkingDirectory: config.WorkingDirectory } : {}),
  };
}

/** The repository part of an image reference (no tag, no digest). */
function repositoryOf(uri: string): string {
  const at = uri.indexOf("@");
  if (at >= 0) return uri.slice(0, at);
  const slash = uri.lastIndexOf("/");
  const colon = uri.lastIndexOf(":");
  return colon > slash ? uri.slice(0, colon) : uri;
}

/**
 * Resolves an ImageUri as Lambda does on create and on code update: an image in Stratus's ECR registry (AWS-style
 * `<account>.dkr.ecr.<region>.amazonaws.com/repo:tag` or `127.0.0.1:PORT/repo:tag`) by its manifest digest, or — for
 * convenience, AWS accepts only ECR — an image present in the local Docker engine. CodeSha256 is the digest's hex.
 */
export async function resolveImageCode(ctx: RequestContext, uri: string | undefined, config: ImageConfigInput | undefined): Promise<{ image: ImageRecord; CodeSha256: string }> {
  if (!uri) throw invalidParameter("Please provide ImageUri when updating a function with packageType Image.");
  const settings = imageConfigOf(config);
  const invalid = (): Error => invalidParameter(`Source image ${uri} is not valid. Provide a valid source image.`);
  const missing = (): Error => invalidParameter(`Source image ${uri} does not exist. Provide a valid source image.`);
  let image: ImageRecord;
  try {
    if (isRegistryImage(uri, ctx.endpoint)) {
      const scope = awsImageScope(uri) ?? { account: ctx.account, region: ctx.region };
      const auth = registryAuthFor(ctx.state, scope.account, scope.region, ctx.endpoint);
      const local = localImageReference(uri, ctx.endpoint);
      const digest = await registryDigest(ctx.endpoint, local, auth);
      if (!digest) throw missing();
      // Kept in ECR's own form: Invoke maps it to the registry's address of the day (Stratus's port may change).
      const name = repositoryOf(local).slice(repositoryOf(local).indexOf("/") + 1);
      const reference = `${scope.account}.dkr.ecr.${scope.region}.amazonaws.com/${name}@${digest}`;
      image = { ImageUri: uri, ResolvedImageUri: `${repositoryOf(uri)}@${digest}`, reference, fromRegistry: true, ...settings };
    } else {
      const found = await localImage(uri);
      if (!found) throw missing();
      // A local image runs by id: a published version keeps its image when the tag moves.
      image = { ImageUri: uri, ResolvedImageUri: `${repositoryOf(uri)}@${found.digest}`, reference: found.id, fromRegistry: false, ...settings };
    }
  } catch (error) {
    // Without a Docker engine (or registry) an image that is not in Stratus's registry cannot be checked: not valid, as on AWS for non-ECR URIs.
    if (error instanceof ImageUnavailable) throw invalid();
    throw error;
  }
  const hex = image.ResolvedImageUri.slice(image.ResolvedImageUri.lastIndexOf(":") + 1);
  return { image, CodeSha256: hex };
}
