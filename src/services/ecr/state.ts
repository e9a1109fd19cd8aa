/** ECR's records: repositories and images (shared with the OCI registry in src/registry), and the names AWS derives from them. */
import type { Scope, StateStore, Table } from "../../state/state-store.ts";

export interface RepositoryRecord {
  name: string;
  arn: string;
  registryId: string;
  createdAt: number;
  imageTagMutability: string;
  scanOnPush: boolean;
  encryptionType: string;
  kmsKey?: string;
  tags: Array<{ Key: string; Value: string }>;
  policy?: string;
  lifecyclePolicy?: string;
  lifecycleEvaluatedAt?: number;
  preview?: PreviewRecord;
}

export interface PreviewRecord {
  policy: string;
  results: Array<{ digest: string; tags: string[]; pushedAt: number; rulePriority: number }>;
}

export interface ImageRecord {
  repository: string;
  digest: string;
  /** The manifest exactly as pushed (its sha256 is `digest`). */
  manifest: string;
  mediaType: string;
  artifactMediaType?: string;
  /** Layers plus config, as ECR counts imageSizeInBytes (0 for indexes in Stratus: children are their own images). */
  size: number;
  pushedAt: number;
  lastPulledAt?: number;
  tags: string[];
  /** Child manifest digests of an index / manifest list. */
  children: string[];
  scanned?: number;
}

/** A blob known to belong to a repository (uploaded or mounted into it): ECR scopes layers per repository. */
export interface LayerRecord {
  repository: string;
  digest: string;
  size: number;
  at: number;
}

export const repositoryTable = (state: StateStore): Table<RepositoryRecord> => state.table<RepositoryRecord>("ecr", "repositories");
export const imageTable = (state: StateStore): Table<ImageRecord> => state.table<ImageRecord>("ecr", "images");
export const layerTable = (state: StateStore): Table<LayerRecord> => state.table<LayerRecord>("ecr", "layers");

export const imageKey = (repository: string, digest: string): string => `${repository}@${digest}`;
export const layerKey = (repository: string, digest: string): string => `${repository}@${digest}`;

export const repositoryArn = (scope: Scope, name: string): string => `arn:aws:ecr:${scope.region}:${scope.account}:repository/${name}`;

/** `host:port` of an endpoint URL: the registry address docker uses (dockerd treats 127.0.0.0/8 as insecure = plain HTTP). */
export function hostOf(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return url.port ? `${url.hostname}:${url.port}` : url.hostname;
  } catch {
    return endpoint.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  }
}

export const repositoryUri = (endpoint: string, name: string): string => `${hostOf(endpoint)}/${name}`;

export const imagesOf = (state: StateStore, scope: Scope, repository: string): ImageRecord[] =>
  imageTable(state)
    .list(scope)
    .filter((image) => image.repository === repository);

export function imageByTag(state: StateStore, scope: Scope, repository: string, tag: string): ImageRecord | undefined {
  return imagesOf(state, scope, repository).find((image) => image.tags.includes(tag));
}

export const imageByDigest = (state: StateStore, scope: Scope, repository: string, digest: string): ImageRecord | undefined =>
  imageTable(state).get(scope, imageKey(repository, digest));
