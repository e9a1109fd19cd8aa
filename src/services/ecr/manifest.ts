/** Image manifests as ECR accepts them: Docker schema 2, OCI image manifests, Docker manifest lists and OCI indexes. */

export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const MANIFEST_TYPES = [DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX];

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  /** Foreign (non-distributable) layers point elsewhere and are not stored in the registry. */
  foreign: boolean;
}

export interface ParsedManifest {
  mediaType: string;
  /** Config blob of an image manifest. */
  config?: Descriptor;
  layers: Descriptor[];
  /** Child manifests of an index / list. */
  children: Descriptor[];
  artifactType?: string;
}

export const DIGEST = /^sha256:[0-9a-f]{64}$/;

export class ManifestError extends Error {}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function descriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw new ManifestError(`${where} is not a descriptor object`);
  const { mediaType, digest, size, urls } = value;
  if (typeof digest !== "string" || !DIGEST.test(digest)) throw new ManifestError(`${where} has an invalid digest`);
  if (typeof size !== "number" || !Number.isInteger(size) || size < 0) throw new ManifestError(`${where} has an invalid size`);
  if (mediaType !== undefined && typeof mediaType !== "string") throw new ManifestError(`${where} has an invalid mediaType`);
  const type = mediaType ?? "";
  const foreign = Array.isArray(urls) && urls.length > 0 && /foreign|nondistributable/.test(type);
  return { mediaType: type, digest, size, foreign };
}

/**
 * Parses and checks a manifest. `declared` is the media type the client sent (Content-Type or imageManifestMediaType);
 * it must agree with the manifest's own `mediaType` when both are present.
 */
export function parseManifest(text: string, declared: string | undefined): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestError("the manifest is not valid JSON");
  }
  if (!isRecord(json)) throw new ManifestError("the manifest is not a JSON object");
  if (json.schemaVersion !== 2) throw new ManifestError("unsupported manifest schemaVersion (only schema 2 manifests are accepted)");
  const own = typeof json.mediaType === "string" ? json.mediaType : undefined;
  const declaredType = declared?.split(";")[0]?.trim();
  const usable = declaredType && MANIFEST_TYPES.includes(declaredType) ? declaredType : undefined;
  if (own && usable && own !== usable) throw new ManifestError(`the manifest mediaType ${own} does not match ${usable}`);
  let mediaType = own ?? usable;
  if (!mediaType) mediaType = Array.isArray(json.manifests) ? OCI_INDEX : OCI_MANIFEST;
  if (!MANIFEST_TYPES.includes(mediaType)) throw new ManifestError(`unsupported manifest media type ${mediaType}`);
  const artifactType = typeof json.artifactType === "string" ? json.artifactType : undefined;
  if (mediaType === DOCKER_LIST || mediaType === OCI_INDEX) {
    if (!Array.isArray(json.manifests)) throw new ManifestError("an index must list its manifests");
    const children = json.manifests.map((child, i) => descriptor(child, `manifests[${i}]`));
    return { mediaType, layers: [], children, artifactType };
  }
  if (!Array.isArray(json.layers)) throw new ManifestError("an image manifest must list its layers");
  const config = descriptor(json.config, "config");
  const layers = json.layers.map((layer, i) => descriptor(layer, `layers[${i}]`));
  return { mediaType, config, layers, children: [], artifactType };
}

/** The few top-level fields read back from stored manifests (referrers): tolerant of anything unparsable. */
export interface ManifestFields {
  subject?: { digest?: unknown };
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  annotations?: unknown;
}

export function manifestFields(manifest: string): ManifestFields {
  try {
    const parsed: unknown = JSON.parse(manifest);
    return isRecord(parsed) ? (parsed as ManifestFields) : {};
  } catch {
    return {};
  }
}

export function subjectOf(manifest: string): string | undefined {
  const digest = manifestFields(manifest).subject?.digest;
  return typeof digest === "string" ? digest : undefined;
}
