/** Lambda's stored records: functions ($LATEST), published versions, aliases, resource policies; and the ARNs and names they use. */
import type { StateStore, Scope, Table } from "../../state/state-store.ts";

/** The configuration of $LATEST or of a published version, as stored (plain JSON). */
export interface FunctionConfigRecord {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Role: string;
  Handler?: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  /** Base64 SHA-256 of the zip, as Lambda reports it. */
  CodeSha256: string;
  Version: string;
  Environment?: Record<string, string>;
  RevisionId: string;
  Architectures: string[];
  EphemeralStorageSize: number;
  Layers?: string[];
  /** Hex SHA-256: the zip's key in the blob store. */
  codeDigest: string;
  /** PackageType Image: the image and its ImageConfig (absent for zip functions). */
  image?: ImageRecord;
  /** Hot reload: code is read live from this local directory instead of the zip. */
  hotReloadDir?: string;
  /** Epoch ms when the function leaves Pending, and when its last update finishes. */
  activeAt: number;
  updateDoneAt: number;
  /** What the last update was, for LastUpdateStatusReason while it runs. */
  updating: "create" | "update";
}

/** A container image function's code: the ImageUri as given, what it resolved to, and ImageConfig. */
export interface ImageRecord {
  ImageUri: string;
  /** <repository>@sha256:<digest>: GetFunction's ResolvedImageUri. */
  ResolvedImageUri: string;
  /** What Docker runs: the digest reference in Stratus's registry (as <account>.dkr.ecr.<region>.amazonaws.com/…@sha256:…), or a local image's id. */
  reference: string;
  /** Whether `reference` is pulled from Stratus's registry (with the account's credentials). */
  fromRegistry: boolean;
  EntryPoint?: string[];
  Command?: string[];
  WorkingDirectory?: string;
}

export interface FunctionRecord {
  latest: FunctionConfigRecord;
  tags: Record<string, string>;
  reservedConcurrency?: number;
  nextVersion: number;
  /** $LATEST's RevisionId when the last version was published, and that version (PublishVersion is idempotent). */
  publishedRevision?: string;
  publishedVersion?: string;
}

export interface AliasRecord {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  AdditionalVersionWeights?: Record<string, number>;
  RevisionId: string;
}

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Principal: unknown;
  Action: string;
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

export interface PolicyRecord {
  statements: PolicyStatement[];
  RevisionId: string;
}

export const functions = (state: StateStore): Table<FunctionRecord> => state.table<FunctionRecord>("lambda", "functions");
export const versions = (state: StateStore): Table<FunctionConfigRecord> => state.table<FunctionConfigRecord>("lambda", "versions");
export const aliases = (state: StateStore): Table<AliasRecord> => state.table<AliasRecord>("lambda", "aliases");
export const policies = (state: StateStore): Table<PolicyRecord> => state.table<PolicyRecord>("lambda", "policies");

/** Keys of versions, aliases and policies: "<function>:<qualifier>". */
export const qualifiedKey = (name: string, qualifier: string): string => `${name}:${qualifier}`;

export const functionArn = (scope: Scope, name: string, qualifier?: string): string =>
  `arn:aws:lambda:${scope.region}:${scope.account}:function:${name}${qualifier ? `:${qualifier}` : ""}`;

/** Lambda's LastModified: 2026-01-02T03:04:05.000+0000. */
export const lambdaTimestamp = (ms: number = Date.now()): string => new Date(ms).toISOString().replace("Z", "+0000");

/** All published versions of a function, in version order. */
export function versionsOf(state: StateStore, scope: Scope, name: string): FunctionConfigRecord[] {
  return versions(state)
    .list(scope)
    .filter((v) => v.FunctionName === name)
    .sort((a, b) => Number(a.Version) - Number(b.Version));
}

export function aliasesOf(state: StateStore, scope: Scope, name: string): AliasRecord[] {
  const prefix = `${functionArn(scope, name)}:`;
  return aliases(state)
    .list(scope)
    .filter((a) => a.AliasArn.startsWith(prefix));
}
