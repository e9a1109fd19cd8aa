/** Shared ECS helpers: cluster resolution (name or ARN, `default` when none is named), paging, tag checks, ARN parsing. */
import type { Tag } from "@aws-sdk/client-ecs";
import { encodeToken, isOffset, readToken } from "../page-tokens.ts";
import type { RequestContext } from "../service-types.ts";
import { clusterNotFound, invalidParameter } from "./errors.ts";
import { tables, type ClusterRecord } from "./state.ts";

/** The name a cluster reference means: the last part of a cluster ARN, the name itself, or `default` when absent. */
export function clusterNameOf(ref: string | undefined): string {
  if (ref === undefined || ref === "") return "default";
  const match = /^arn:aws[a-z-]*:ecs:[^:]*:\d{12}:cluster\/(.+)$/.exec(ref);
  return match?.[1] ?? ref;
}

/** The ACTIVE cluster a call names; ClusterNotFoundException otherwise (AWS does not create `default` on demand for API calls). */
export function requireCluster(ctx: RequestContext, ref: string | undefined): ClusterRecord {
  const cluster = tables(ctx.state).clusters.get(ctx, clusterNameOf(ref));
  if (!cluster || cluster.status !== "ACTIVE") throw clusterNotFound();
  return cluster;
}

/** One page of `items` (maxResults 1–100 as ECS allows; `fallback` when absent). */
export function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined, fallback = 100): { items: T[]; nextToken?: string } {
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 100)) {
    throw invalidParameter("maxResults must be between 1 and 100.");
  }
  let offset = 0;
  if (nextToken !== undefined) {
    const token = readToken(nextToken, isOffset);
    if (!token) throw invalidParameter("Invalid token");
    offset = token.o;
  }
  const size = maxResults ?? fallback;
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length ? { items: slice, nextToken: encodeToken({ o: offset + size }) } : { items: slice };
}

/** Tag rules ECS checks (50 per resource, key 1–128, value ≤ 256, no aws: prefix). */
export function checkTags(tags: Tag[] | undefined): Tag[] {
  const list = tags ?? [];
  for (const tag of list) {
    const key = tag.key ?? "";
    if (key.length < 1 || key.length > 128) throw invalidParameter("Tag keys must be between 1 and 128 characters.");
    if ((tag.value ?? "").length > 256) throw invalidParameter("Tag values must be at most 256 characters.");
    if (/^aws:/i.test(key)) throw invalidParameter("Tag keys can't start with the aws: prefix.");
  }
  if (list.length > 50) throw invalidParameter("The maximum number of tags for a resource is 50.");
  return list.map((tag) => ({ key: tag.key ?? "", value: tag.value ?? "" }));
}

/** Tags merged by key (later wins), as TagResource does. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(existing.map((tag) => [tag.key ?? "", tag]));
  for (const tag of added) byKey.set(tag.key ?? "", tag);
  const merged = [...byKey.values()];
  if (merged.length > 50) throw invalidParameter("The maximum number of tags for a resource is 50.");
  return merged;
}

export interface EcsArn {
  region: string;
  account: string;
  type: string;
  /** Everything after `type/`. */
  rest: string;
}

export function parseEcsArn(arn: string): EcsArn | undefined {
  const match = /^arn:aws[a-z-]*:ecs:([^:]+):(\d{12}):([a-z-]+)\/(.+)$/.exec(arn);
  if (!match) return undefined;
  return { region: match[1] ?? "", account: match[2] ?? "", type: match[3] ?? "", rest: match[4] ?? "" };
}

/** A task or container-instance reference (ARN, either ARN format, or the bare id) → its id. */
export function idOf(ref: string): string {
  const arn = parseEcsArn(ref);
  if (!arn) return ref;
  const parts = arn.rest.split("/");
  return parts[parts.length - 1] ?? ref;
}

export const epoch = (ms: number | undefined): Date | undefined => (ms === undefined ? undefined : new Date(ms));
