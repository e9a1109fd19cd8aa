/** Image writes shared by the ECR API (PutImage, BatchDeleteImage) and the OCI registry (manifest PUT/DELETE), with lifecycle policies applied. */
import { crypto } from "../../shared/builtins.ts";
import type { Scope, StateStore } from "../../state/state-store.ts";
import { evaluateLifecycle, parseLifecyclePolicy } from "./lifecycle.ts";
import { manifestFields, ManifestError, parseManifest } from "./manifest.ts";
import { imageByDigest, imageByTag, imageKey, imagesOf, imageTable, layerKey, layerTable, repositoryTable, type ImageRecord, type RepositoryRecord } from "./state.ts";

export type ImageErrorKind = "invalid" | "digest-mismatch" | "layers-missing" | "images-missing" | "tag-immutable" | "already-exists" | "tag-invalid";

/** A refused image write; each front end turns the kind into its own error (an AWS exception or a registry code). */
export class ImageError extends Error {
  readonly kind: ImageErrorKind;
  readonly missing: string[];
  constructor(kind: ImageErrorKind, message: string, missing: string[] = []) {
    super(message);
    this.kind = kind;
    this.missing = missing;
  }
}

/** OCI tag grammar (ECR accepts the same characters, up to 300 of them). */
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,299}$/;

export const manifestDigest = (manifest: string | Buffer): string => `sha256:${crypto.createHash("sha256").update(manifest).digest("hex")}`;

/** Records that a blob is part of a repository (after an upload, a mount, or ECR's layer-upload API). */
export function recordLayer(state: StateStore, scope: Scope, repository: string, digest: string, size: number): void {
  const table = layerTable(state);
  const key = layerKey(repository, digest);
  if (!table.has(scope, key)) table.put(scope, key, { repository, digest, size, at: Date.now() });
}

export const layerInRepository = (state: StateStore, scope: Scope, repository: string, digest: string): boolean =>
  layerTable(state).has(scope, layerKey(repository, digest));

export interface PutImageRequest {
  manifest: string;
  mediaType?: string;
  tag?: string;
  /** The digest the client says the manifest has (registry PUT by digest, PutImage imageDigest). */
  digest?: string;
}

/** Stores a manifest as an image of the repository and tags it; returns the image and whether anything changed. */
export function putImage(state: StateStore, scope: Scope, repository: RepositoryRecord, request: PutImageRequest): ImageRecord {
  const { tag } = request;
  if (tag !== undefined && !TAG.test(tag)) throw new ImageError("tag-invalid", `Invalid image tag '${tag}'`);
  let parsed;
  try {
    parsed = parseManifest(request.manifest, request.mediaType);
  } catch (error) {
    if (error instanceof ManifestError) throw new ImageError("invalid", error.message);
    throw error;
  }
  const digest = manifestDigest(request.manifest);
  if (request.digest !== undefined && request.digest !== digest) {
    throw new ImageError("digest-mismatch", `The manifest digest ${digest} does not match the digest ${request.digest} specified`);
  }
  const name = repository.name;
  const blobs = [...(parsed.config ? [parsed.config] : []), ...parsed.layers].filter((blob) => !blob.foreign);
  const missingLayers = blobs.filter((blob) => !layerInRepository(state, scope, name, blob.digest)).map((blob) => blob.digest);
  if (missingLayers.length > 0) throw new ImageError("layers-missing", `The following layers were not found in the repository: ${missingLayers.join(", ")}`, missingLayers);
  const missingChildren = parsed.children.filter((child) => !imageByDigest(state, scope, name, child.digest)).map((child) => child.digest);
  if (missingChildren.length > 0) {
    throw new ImageError("images-missing", `The following referenced images were not found: ${missingChildren.join(", ")}`, missingChildren);
  }
  const images = imageTable(state);
  const existing = imageByDigest(state, scope, name, digest);
  const holder = tag === undefined ? undefined : imageByTag(state, scope, name, tag);
  if (holder && holder.digest !== digest) {
    if (repository.imageTagMutability.startsWith("IMMUTABLE")) {
      throw new ImageError("tag-immutable", `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`);
    }
    // A mutable tag moves to the new image; the old one stays, untagged (as ECR keeps it).
    images.put(scope, imageKey(name, holder.digest), { ...holder, tags: holder.tags.filter((held) => held !== tag) });
  }
  if (existing && (tag === undefined || existing.tags.includes(tag))) {
    throw new ImageError("already-exists", `Image with digest '${digest}'${tag ? ` and tag '${tag}'` : ""} already exists in the repository with name '${name}' in registry with id '${scope.account}'`);
  }
  const size = parsed.config
    ? blobs.reduce((sum, blob) => sum + blob.size, 0)
    : parsed.children.reduce((sum, child) => sum + (imageByDigest(state, scope, name, child.digest)?.size ?? 0), 0);
  const image: ImageRecord = existing
    ? { ...existing, tags: tag ? [...existing.tags, tag] : existing.tags }
    : {
        repository: name,
        digest,
        manifest: request.manifest,
        mediaType: parsed.mediaType,
        artifactMediaType: parsed.artifactType ?? parsed.config?.mediaType,
        size,
        // Strictly increasing within a repository, so "most recent" (lifecycle counts, listings) is never a tie.
        pushedAt: Math.max(Date.now(), ...imagesOf(state, scope, name).map((held) => held.pushedAt + 1)),
        tags: tag ? [tag] : [],
        children: parsed.children.map((child) => child.digest),
        // Scan on push: Stratus has no vulnerability database, so the scan completes at once with no findings.
        ...(repository.scanOnPush ? { scanned: Date.now() } : {}),
      };
  images.put(scope, imageKey(name, digest), image);
  if (tag !== undefined) applyLifecyclePolicy(state, scope, name);
  return image;
}

export type DeleteFailure = "ImageNotFound" | "ImageTagDoesNotMatchDigest" | "ImageReferencedByManifestList" | "MissingDigestAndTag" | "InvalidImageDigest" | "InvalidImageTag";

/**
 * BatchDeleteImage's semantics for one image id: by digest deletes the image (all its tags); by tag removes the tag,
 * and removing an image's last tag deletes the image (as ECR does).
 */
export function deleteImage(
  state: StateStore,
  scope: Scope,
  repository: string,
  id: { imageDigest?: string; imageTag?: string },
): { deleted: { imageDigest: string; imageTag?: string } } | { failure: DeleteFailure; message: string } {
  const { imageDigest, imageTag } = id;
  if (imageDigest === undefined && imageTag === undefined) return { failure: "MissingDigestAndTag", message: "Invalid request parameters: both tag and digest cannot be null" };
  if (imageDigest !== undefined && !/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/.test(imageDigest)) return { failure: "InvalidImageDigest", message: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'" };
  if (imageTag !== undefined && !TAG.test(imageTag)) return { failure: "InvalidImageTag", message: `Invalid request parameters: invalid image tag '${imageTag}'` };
  const image = imageDigest !== undefined ? imageByDigest(state, scope, repository, imageDigest) : imageByTag(state, scope, repository, imageTag ?? "");
  if (!image || (imageTag !== undefined && !image.tags.includes(imageTag))) {
    if (image && imageTag !== undefined) return { failure: "ImageTagDoesNotMatchDigest", message: "Invalid request parameters: given tag does not match the given digest" };
    return { failure: "ImageNotFound", message: "Requested image not found" };
  }
  const images = imageTable(state);
  const key = imageKey(repository, image.digest);
  if (imageTag !== undefined && image.tags.length > 1) {
    images.put(scope, key, { ...image, tags: image.tags.filter((tag) => tag !== imageTag) });
    return { deleted: { imageDigest: image.digest, imageTag } };
  }
  const parent = imagesOf(state, scope, repository).find((other) => other.children.includes(image.digest));
  if (parent) return { failure: "ImageReferencedByManifestList", message: `Requested image is referenced by manifest list ${parent.digest}` };
  images.delete(scope, key);
  return { deleted: imageTag !== undefined ? { imageDigest: image.digest, imageTag } : { imageDigest: image.digest } };
}

/** Digests of the children of an index in the repository (never expired while their index exists). */
export function referencedDigests(images: ImageRecord[]): Set<string> {
  return new Set(images.flatMap((image) => image.children));
}

/** Expires what the repository's lifecycle policy selects now (ECR does it within a day; Stratus at once). */
export function applyLifecyclePolicy(state: StateStore, scope: Scope, repository: string, now = Date.now()): number {
  const repositories = repositoryTable(state);
  const record = repositories.get(scope, repository);
  if (!record?.lifecyclePolicy) return 0;
  const images = imagesOf(state, scope, repository);
  const expired = evaluateLifecycle(parseLifecyclePolicy(record.lifecyclePolicy), images, referencedDigests(images), now);
  const table = imageTable(state);
  for (const { image } of expired) table.delete(scope, imageKey(repository, image.digest));
  repositories.put(scope, repository, { ...record, lifecycleEvaluatedAt: now });
  return expired.length;
}

/** How often age-based rules (sinceImagePushed) are re-evaluated when the repository is read. */
const AGE_RULE_INTERVAL_MS = 60_000;

/**
 * Images expire by age without any push: a read of the repository (listing, describing, pulling) re-evaluates a
 * policy with sinceImagePushed rules at most once a minute, so expiry happens "eventually" as on ECR.
 */
export function expireAgedImages(state: StateStore, scope: Scope, repository: string, now = Date.now()): void {
  const record = repositoryTable(state).get(scope, repository);
  if (!record?.lifecyclePolicy || !record.lifecyclePolicy.includes("sinceImagePushed")) return;
  if (record.lifecycleEvaluatedAt !== undefined && now - record.lifecycleEvaluatedAt < AGE_RULE_INTERVAL_MS) return;
  state.transaction(() => applyLifecyclePolicy(state, scope, repository, now));
}

export interface Referrer {
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** Manifests of the repository whose `subject` is `digest` (OCI 1.1 referrers), optionally of the given artifact types. */
export function referrersOf(state: StateStore, scope: Scope, repository: string, digest: string, artifactTypes?: string[]): Referrer[] {
  return imagesOf(state, scope, repository).flatMap((image) => {
    const fields = manifestFields(image.manifest);
    if (fields.subject?.digest !== digest) return [];
    const artifactType = typeof fields.artifactType === "string" ? fields.artifactType : typeof fields.config?.mediaType === "string" ? fields.config.mediaType : undefined;
    if (artifactTypes && (artifactType === undefined || !artifactTypes.includes(artifactType))) return [];
    const annotations = typeof fields.annotations === "object" && fields.annotations !== null ? (fields.annotations as Record<string, string>) : undefined;
    return [{ digest: image.digest, mediaType: image.mediaType, size: Buffer.byteLength(image.manifest), ...(artifactType ? { artifactType } : {}), ...(annotations ? { annotations } : {}) }];
  });
}
