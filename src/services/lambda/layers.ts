/** Layers: published versions of zips that functions attach (at most 5) and see merged under /opt. */
import type { LambdaOperations } from "../../generated/lambda.ts";
import type { Table } from "../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { codeLocation, storeCode } from "./code.ts";
import { invalidParameter, notFound, validation } from "./errors.ts";
import { lambdaTimestamp } from "./state.ts";

type Ops = LambdaOperations;

export interface LayerVersionRecord {
  LayerArn: string;
  LayerVersionArn: string;
  LayerName: string;
  Version: number;
  Description: string;
  CreatedDate: string;
  CodeSha256: string;
  CodeSize: number;
  codeDigest: string;
  CompatibleRuntimes?: string[];
  CompatibleArchitectures?: string[];
  LicenseInfo?: string;
}

/** Keyed by LayerVersionArn. */
export const layerVersions = (ctx: RequestContext): Table<LayerVersionRecord> => ctx.state.table<LayerVersionRecord>("lambda", "layer-versions");

const layerArn = (ctx: RequestContext, name: string): string => `arn:aws:lambda:${ctx.region}:${ctx.account}:layer:${name}`;
const LAYER_NAME = /^(?:arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:)?([a-zA-Z0-9-_]+)$/;

function layerName(value: string): string {
  const name = LAYER_NAME.exec(value)?.[1];
  if (!name || value.length > 140) {
    throw validation(value, "layerName", "Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+");
  }
  return name;
}

function versionsOfLayer(ctx: RequestContext, name: string): LayerVersionRecord[] {
  return layerVersions(ctx)
    .list(ctx)
    .filter((v) => v.LayerName === name)
    .sort((a, b) => a.Version - b.Version);
}

function view(ctx: RequestContext, v: LayerVersionRecord) {
  return {
    Content: { Location: codeLocation(ctx.endpoint, v.codeDigest), CodeSha256: v.CodeSha256, CodeSize: v.CodeSize },
    LayerArn: v.LayerArn,
    LayerVersionArn: v.LayerVersionArn,
    Description: v.Description,
    CreatedDate: v.CreatedDate,
    Version: v.Version,
    ...(v.CompatibleRuntimes ? { CompatibleRuntimes: v.CompatibleRuntimes as Ops["GetLayerVersion"]["output"]["CompatibleRuntimes"] } : {}),
    ...(v.CompatibleArchitectures ? { CompatibleArchitectures: v.CompatibleArchitectures as Ops["GetLayerVersion"]["output"]["CompatibleArchitectures"] } : {}),
    ...(v.LicenseInfo !== undefined ? { LicenseInfo: v.LicenseInfo } : {}),
  };
}

function listEntry(v: LayerVersionRecord) {
  return {
    LayerVersionArn: v.LayerVersionArn,
    Version: v.Version,
    Description: v.Description,
    CreatedDate: v.CreatedDate,
    ...(v.CompatibleRuntimes ? { CompatibleRuntimes: v.CompatibleRuntimes as Ops["GetLayerVersion"]["output"]["CompatibleRuntimes"] } : {}),
    ...(v.CompatibleArchitectures ? { CompatibleArchitectures: v.CompatibleArchitectures as Ops["GetLayerVersion"]["output"]["CompatibleArchitectures"] } : {}),
    ...(v.LicenseInfo !== undefined ? { LicenseInfo: v.LicenseInfo } : {}),
  };
}

function requireLayerVersion(ctx: RequestContext, name: string, version: number | undefined): LayerVersionRecord {
  const found = layerVersions(ctx).get(ctx, `${layerArn(ctx, name)}:${version ?? ""}`);
  if (!found) throw notFound("The resource you requested does not exist.");
  return found;
}

/** The layer version ARNs a function attaches: at most 5, each published in this account and region. */
export function checkLayers(ctx: RequestContext, arns: string[] | undefined): string[] {
  if (!arns?.length) return [];
  if (arns.length > 5) throw invalidParameter("Cannot reference more than 5 layers.");
  for (const arn of arns) {
    if (!layerVersions(ctx).has(ctx, arn)) throw invalidParameter(`Layer version ${arn} does not exist.`);
  }
  return arns;
}

/** Sizes of attached layers, for configuration views. */
export const layerSizes = (ctx: RequestContext) => (arn: string): number => layerVersions(ctx).get(ctx, arn)?.CodeSize ?? 0;

/** The blob digests of a function's layers, in order (later layers win where files collide). */
export function layerDigests(ctx: RequestContext, arns: string[] | undefined): string[] {
  return (arns ?? []).map((arn) => layerVersions(ctx).get(ctx, arn)?.codeDigest ?? "").filter(Boolean);
}

export const layerHandlers: HandlerTable<Ops> = {
  PublishLayerVersion(input, ctx) {
    const name = layerName(input.LayerName ?? "");
    const code = storeCode(ctx.state, input.Content ?? {}, "PublishLayerVersion");
    if (code.hotReloadDir) throw invalidParameter("Layers cannot be hot-reloaded.");
    const version = (versionsOfLayer(ctx, name).at(-1)?.Version ?? 0) + 1;
    const record: LayerVersionRecord = {
      LayerArn: layerArn(ctx, name),
      LayerVersionArn: `${layerArn(ctx, name)}:${version}`,
      LayerName: name,
      Version: version,
      Description: input.Description ?? "",
      CreatedDate: lambdaTimestamp(),
      CodeSha256: code.CodeSha256,
      CodeSize: code.CodeSize,
      codeDigest: code.codeDigest,
      ...(input.CompatibleRuntimes ? { CompatibleRuntimes: input.CompatibleRuntimes } : {}),
      ...(input.CompatibleArchitectures ? { CompatibleArchitectures: input.CompatibleArchitectures } : {}),
      ...(input.LicenseInfo !== undefined ? { LicenseInfo: input.LicenseInfo } : {}),
    };
    layerVersions(ctx).put(ctx, record.LayerVersionArn, record);
    return view(ctx, record);
  },

  GetLayerVersion(input, ctx) {
    return view(ctx, requireLayerVersion(ctx, layerName(input.LayerName ?? ""), input.VersionNumber));
  },

  GetLayerVersionByArn(input, ctx) {
    const found = layerVersions(ctx).get(ctx, input.Arn ?? "");
    if (!found) throw notFound("The resource you requested does not exist.");
    return view(ctx, found);
  },

  ListLayerVersions(input, ctx) {
    const all = versionsOfLayer(ctx, layerName(input.LayerName ?? ""))
      .filter((v) => !input.CompatibleRuntime || v.CompatibleRuntimes?.includes(input.CompatibleRuntime))
      .reverse();
    const max = input.MaxItems ?? 50;
    const start = input.Marker ? Number(input.Marker) : 0;
    return { LayerVersions: all.slice(start, start + max).map(listEntry), ...(start + max < all.length ? { NextMarker: String(start + max) } : {}) };
  },

  ListLayers(input, ctx) {
    const latest = new Map<string, LayerVersionRecord>();
    for (const v of layerVersions(ctx).list(ctx)) {
      if (input.CompatibleRuntime && !v.CompatibleRuntimes?.includes(input.CompatibleRuntime)) continue;
      const seen = latest.get(v.LayerName);
      if (!seen || seen.Version < v.Version) latest.set(v.LayerName, v);
    }
    const all = [...latest.values()].sort((a, b) => a.LayerName.localeCompare(b.LayerName));
    const max = input.MaxItems ?? 50;
    const start = input.Marker ? Number(input.Marker) : 0;
    return {
      Layers: all.slice(start, start + max).map((v) => ({ LayerName: v.LayerName, LayerArn: v.LayerArn, LatestMatchingVersion: listEntry(v) })),
      ...(start + max < all.length ? { NextMarker: String(start + max) } : {}),
    };
  },

  DeleteLayerVersion(input, ctx) {
    layerVersions(ctx).delete(ctx, `${layerArn(ctx, layerName(input.LayerName ?? ""))}:${input.VersionNumber ?? ""}`);
    return {};
  },
};
