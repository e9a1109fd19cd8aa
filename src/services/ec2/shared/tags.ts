/** EC2 tags: every taggable resource type registers here so CreateTags/DeleteTags/DescribeTags can find it by id. */
import type { ResourceType } from "@aws-sdk/client-ec2";
import { AwsError } from "../../../shared/aws-error.ts";
import type { RequestContext } from "../../service-types.ts";
import { ec2Table, scopeOf } from "./scope.ts";

export interface Tag {
  Key: string;
  Value: string;
}

/** Every stored EC2 record that can carry tags keeps them in `Tags`. */
export interface Taggable {
  Tags?: Tag[];
}

export interface TaggableKind {
  /** Id prefix before the dash: "i", "vpc", "subnet", "sg", "vol", "ami" … */
  prefix: string;
  /** The state table (kind) the records live in, keyed by their id. */
  kind: string;
  /** The ResourceType EC2 reports in DescribeTags and accepts in TagSpecifications ("instance", "vpc" …). */
  resourceType: ResourceType;
  /** The record member holding the id ("InstanceId", "VpcId", "GroupId" …). */
  idField: string;
  /** The not-found code for an unknown id of this kind ("InvalidInstanceID.NotFound"). */
  notFoundCode: string;
  /** The noun in the not-found message ("instance", "vpc" …); defaults to resourceType. */
  noun?: string;
}

const byPrefix = new Map<string, TaggableKind>();
const byResourceType = new Map<string, TaggableKind>();

export function registerTaggable(kind: TaggableKind): void {
  byPrefix.set(kind.prefix, kind);
  byResourceType.set(kind.resourceType, kind);
}

export const taggableKinds = (): TaggableKind[] => [...byPrefix.values()];

export function taggableKindOfId(id: string): TaggableKind | undefined {
  const dash = id.lastIndexOf("-");
  return dash > 0 ? byPrefix.get(id.slice(0, dash)) : undefined;
}

interface TagSpecification {
  ResourceType?: string | undefined;
  Tags?: Array<{ Key?: string | undefined; Value?: string | undefined }> | undefined;
}

const MAX_TAGS = 50;

/** Checks keys/values the way EC2 does and returns clean tags. */
export function validTags(tags: ReadonlyArray<{ Key?: string | undefined; Value?: string | undefined }>): Tag[] {
  return tags.map((tag) => {
    const key = tag.Key ?? "";
    if (key.length === 0 || key.length > 128) throw new AwsError("InvalidParameterValue", `Tag key must be between 1 and 128 characters: '${key}'`);
    if (key.toLowerCase().startsWith("aws:")) throw new AwsError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use");
    const value = tag.Value ?? "";
    if (value.length > 256) throw new AwsError("InvalidParameterValue", `Tag value must be at most 256 characters for key '${key}'`);
    return { Key: key, Value: value };
  });
}

/** The tags a RunInstances/Create* request asks for one resource type (TagSpecifications). */
export function tagsFor(specs: readonly TagSpecification[] | undefined, resourceType: string): Tag[] {
  const tags: Tag[] = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType === resourceType) tags.push(...validTags(spec.Tags ?? []));
  }
  return tags;
}

/** TagSpecifications naming a resource type the operation cannot tag answer InvalidParameterValue, as EC2 does. */
export function checkTagSpecificationTypes(specs: readonly TagSpecification[] | undefined, allowed: readonly string[]): void {
  for (const spec of specs ?? []) {
    if (!spec.ResourceType || !allowed.includes(spec.ResourceType)) {
      throw new AwsError("InvalidParameterValue", `'${spec.ResourceType ?? ""}' is not a valid taggable resource type for this operation.`);
    }
  }
}

/** Merges tags into a record's tag list (same key → value replaced), enforcing the 50-tag limit. */
export function mergeTags(current: readonly Tag[] | undefined, added: readonly Tag[]): Tag[] {
  const merged = new Map((current ?? []).map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) merged.set(tag.Key, tag.Value);
  if (merged.size > MAX_TAGS) throw new AwsError("TagLimitExceeded", `The maximum number of tags (${MAX_TAGS}) has been exceeded for the resource.`);
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

/** Finds a taggable record by id across all registered kinds, or throws that kind's not-found error. */
export function findTaggable(ctx: RequestContext, id: string): { kind: TaggableKind; record: Taggable } {
  const kind = taggableKindOfId(id);
  const record = kind ? ec2Table<Taggable>(ctx, kind.kind).get(scopeOf(ctx), id) : undefined;
  if (!kind || !record) {
    if (kind) throw new AwsError(kind.notFoundCode, `The ${kind.noun ?? kind.resourceType} ID '${id}' does not exist`);
    throw new AwsError("InvalidID", `The ID '${id}' is not valid`);
  }
  return { kind, record };
}
