/** Manifests and blobs by reference on the distribution API, stored as ECR images (so the ECR API sees every push). */
import { imageByDigest, imageByTag, imageKey, imageTable, layerKey, layerTable, repositoryTable, type ImageRecord, type RepositoryRecord } from "../services/ecr/state.ts";
import { deleteImage, expireAgedImages, ImageError, putImage, referrersOf, TAG } from "../services/ecr/images.ts";
import { DIGEST, OCI_INDEX, subjectOf } from "../services/ecr/manifest.ts";
import { sendFileRange } from "./send-file.ts";
import { readSmallBody, RegistryError, sendEmpty, API_VERSION_HEADER, type RegistryCall } from "./respond.ts";

/** ECR's manifest size limit. */
const MANIFEST_LIMIT = 4 * 1024 * 1024;
const PULL_RECORD_INTERVAL_MS = 60_000;

export function repositoryOf(call: RegistryCall, name: string): RepositoryRecord {
  const repository = repositoryTable(call.app.state).get(call.scope, name);
  if (!repository) {
    call.req.resume();
    throw new RegistryError("NAME_UNKNOWN", `The repository with name '${name}' does not exist in the registry with id '${call.scope.account}'`, { name });
  }
  return repository;
}

function findImage(call: RegistryCall, name: string, reference: string): ImageRecord | undefined {
  if (reference.includes(":")) return imageByDigest(call.app.state, call.scope, name, reference);
  return imageByTag(call.app.state, call.scope, name, reference);
}

function checkReference(reference: string): void {
  if (reference.includes(":") ? !DIGEST.test(reference) : !TAG.test(reference)) {
    throw new RegistryError(reference.includes(":") ? "DIGEST_INVALID" : "TAG_INVALID", `invalid reference ${reference}`, { reference });
  }
}

/** Whether the client's Accept header allows the stored media type (no Accept, or a wildcard, allows anything). */
function accepts(accept: string | undefined, mediaType: string): boolean {
  if (!accept) return true;
  const types = accept.split(",").map((part) => part.split(";")[0]?.trim() ?? "");
  return types.some((type) => type === mediaType || type === "*/*" || type === "application/*" || type === "application/json");
}

export async function handleManifest(call: RegistryCall, name: string, reference: string): Promise<void> {
  const repository = repositoryOf(call, name);
  const method = call.req.method ?? "GET";
  if (method === "PUT") {
    checkReference(reference);
    const body = await readSmallBody(call.req, MANIFEST_LIMIT);
    const manifest = body.toString("utf8");
    let image: ImageRecord;
    try {
      image = call.app.state.transaction(() =>
        putImage(call.app.state, call.scope, repository, {
          manifest,
          mediaType: call.req.headers["content-type"],
          ...(reference.includes(":") ? { digest: reference } : { tag: reference }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ImageError)) throw error;
      if (error.kind !== "already-exists") throw imageErrorToRegistry(error);
      // ECR refuses even an identical push over an existing tag of an immutable repository (kaniko and buildkit
      // report TAG_INVALID for it); elsewhere pushing the same manifest again is a success.
      if (!reference.includes(":") && repository.imageTagMutability.startsWith("IMMUTABLE")) {
        throw new RegistryError(
          "TAG_INVALID",
          `The image tag '${reference}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`,
        );
      }
      const held = findImage(call, name, reference);
      if (!held) throw imageErrorToRegistry(error);
      image = held;
    }
    const subject = subjectOf(image.manifest);
    sendEmpty(call.res, 201, {
      location: `/v2/${name}/manifests/${image.digest}`,
      "docker-content-digest": image.digest,
      // OCI 1.1: announcing the subject tells clients the referrers API is served (no fallback tag needed).
      ...(subject ? { "oci-subject": subject } : {}),
    });
    return;
  }
  call.req.resume();
  if (method === "DELETE") {
    checkReference(reference);
    const result = call.app.state.transaction(() =>
      deleteImage(call.app.state, call.scope, name, reference.includes(":") ? { imageDigest: reference } : { imageTag: reference }),
    );
    if ("failure" in result) {
      if (result.failure === "ImageReferencedByManifestList") throw new RegistryError("DENIED", result.message);
      throw new RegistryError("MANIFEST_UNKNOWN", "manifest unknown", { reference });
    }
    sendEmpty(call.res, 202);
    return;
  }
  if (method !== "GET" && method !== "HEAD") throw new RegistryError("UNSUPPORTED", `${method} is not supported on manifests`);
  expireAgedImages(call.app.state, call.scope, name);
  const image = findImage(call, name, reference);
  if (!image) throw new RegistryError("MANIFEST_UNKNOWN", `Requested image not found`, { reference });
  if (!accepts(call.req.headers.accept, image.mediaType)) {
    throw new RegistryError("MANIFEST_UNKNOWN", `manifest of type ${image.mediaType} is not among the accepted media types`, { reference });
  }
  const body = Buffer.from(image.manifest, "utf8");
  call.res.writeHead(200, {
    ...API_VERSION_HEADER,
    "content-type": image.mediaType,
    "content-length": String(body.length),
    "docker-content-digest": image.digest,
    etag: `"${image.digest}"`,
  });
  if (method === "HEAD") {
    call.res.end();
    return;
  }
  call.res.end(body);
  // ECR records pulls (lastRecordedPullTime, a GET of the manifest) approximately; once a minute spares a disk write per pull.
  if (image.lastPulledAt === undefined || Date.now() - image.lastPulledAt > PULL_RECORD_INTERVAL_MS) {
    call.app.state.transaction(() => {
      const current = imageTable(call.app.state).get(call.scope, imageKey(name, image.digest));
      if (current) imageTable(call.app.state).put(call.scope, imageKey(name, image.digest), { ...current, lastPulledAt: Date.now() });
    });
  }
}

export function imageErrorToRegistry(error: ImageError): RegistryError {
  switch (error.kind) {
    case "digest-mismatch":
      return new RegistryError("DIGEST_INVALID", error.message);
    case "layers-missing":
    case "images-missing":
      return new RegistryError("MANIFEST_BLOB_UNKNOWN", error.message, { digests: error.missing });
    case "tag-immutable":
    case "tag-invalid":
      return new RegistryError("TAG_INVALID", error.message);
    default:
      return new RegistryError("MANIFEST_INVALID", error.message);
  }
}

/** GET/HEAD of a blob the repository holds (with single byte ranges); DELETE is not offered by ECR. */
export async function handleBlob(call: RegistryCall, name: string, digest: string): Promise<void> {
  repositoryOf(call, name);
  call.req.resume();
  const method = call.req.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") throw new RegistryError("UNSUPPORTED", `${method} is not supported on blobs`);
  if (!DIGEST.test(digest)) throw new RegistryError("DIGEST_INVALID", `invalid digest ${digest}`, { digest });
  const hex = digest.slice("sha256:".length);
  const layer = layerTable(call.app.state).get(call.scope, layerKey(name, digest));
  const size = layer ? call.app.state.blobs.sizeOf(hex) : undefined;
  // Blobs were verified by digest when they came in; a file whose size no longer matches is damaged and not served.
  if (!layer || size === undefined || size !== layer.size) {
    throw new RegistryError("BLOB_UNKNOWN", "blob unknown to registry", { digest });
  }
  const headers: Record<string, string> = {
    ...API_VERSION_HEADER,
    "content-type": "application/octet-stream",
    "docker-content-digest": digest,
    "accept-ranges": "bytes",
    etag: `"${digest}"`,
  };
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = call.req.headers.range;
  const match = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (range && match && size > 0) {
    if (match[1] === "" && match[2] !== "") start = Math.max(size - Number(match[2]), 0);
    else {
      start = Number(match[1]);
      if (match[2] !== "") end = Math.min(Number(match[2]), size - 1);
    }
    if (start > end || start >= size) {
      call.res.writeHead(416, { ...headers, "content-range": `bytes */${size}`, "content-length": "0" });
      call.res.end();
      return;
    }
    status = 206;
    headers["content-range"] = `bytes ${start}-${end}/${size}`;
  }
  headers["content-length"] = String(size === 0 ? 0 : end - start + 1);
  call.res.writeHead(status, headers);
  if (method === "HEAD" || size === 0) {
    call.res.end();
    return;
  }
  const file = call.app.state.blobs.fileOf(hex);
  if (file) return sendFileRange(call.res, file, start, end).then(() => undefined);
  const source = call.app.state.blobs.openRead(hex, start, end);
  if (!source) {
    call.res.destroy();
    return;
  }
  if (Buffer.isBuffer(source)) call.res.end(source);
  else {
    source.on("error", () => call.res.destroy());
    source.pipe(call.res);
  }
}

/** OCI 1.1 referrers API: an image index of the manifests whose `subject` is the digest, filtered by ?artifactType. */
export function handleReferrers(call: RegistryCall, name: string, digest: string): void {
  repositoryOf(call, name);
  call.req.resume();
  if (!DIGEST.test(digest)) throw new RegistryError("DIGEST_INVALID", `invalid digest ${digest}`, { digest });
  const wanted = call.url.searchParams.get("artifactType");
  const manifests = referrersOf(call.app.state, call.scope, name, digest, wanted === null ? undefined : [wanted]);
  const body = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests });
  call.res.writeHead(200, {
    ...API_VERSION_HEADER,
    "content-type": OCI_INDEX,
    "content-length": String(Buffer.byteLength(body)),
    ...(wanted !== null ? { "oci-filters-applied": "artifactType" } : {}),
  });
  call.res.end(body);
}
