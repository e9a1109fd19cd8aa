/** CreateTags, DeleteTags and DescribeTags over every registered taggable EC2 resource. */
import type { TagDescription } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun } from "./errors.ts";
import { applyFilters } from "./filters.ts";
import { paginate } from "./paging.ts";
import { ec2Table, scopeOf } from "./scope.ts";
import { findTaggable, mergeTags, taggableKinds, validTags, type Taggable } from "./tags.ts";

type TagRow = Required<Pick<TagDescription, "ResourceId" | "ResourceType" | "Key" | "Value">>;

export const tagHandlers: HandlerTable<Ec2Operations> = {
  CreateTags: (input, ctx) => {
    const tags = validTags(input.Tags ?? []);
    const targets = (input.Resources ?? []).map((id) => ({ id, ...findTaggable(ctx, id) }));
    checkDryRun(input);
    ctx.state.transaction(() => {
      for (const { id, kind, record } of targets) {
        ec2Table<Taggable>(ctx, kind.kind).put(scopeOf(ctx), id, { ...record, Tags: mergeTags(record.Tags, tags) });
      }
    });
    return {};
  },

  DeleteTags: (input, ctx) => {
    const targets = (input.Resources ?? []).map((id) => ({ id, ...findTaggable(ctx, id) }));
    checkDryRun(input);
    ctx.state.transaction(() => {
      for (const { id, kind, record } of targets) {
        // No Tags: delete all; a tag without Value deletes the key whatever its value; with Value only on match.
        const remaining = input.Tags
          ? (record.Tags ?? []).filter((tag) => !input.Tags?.some((gone) => gone.Key === tag.Key && (gone.Value === undefined || gone.Value === tag.Value)))
          : [];
        ec2Table<Taggable>(ctx, kind.kind).put(scopeOf(ctx), id, { ...record, Tags: remaining });
      }
    });
    return {};
  },

  DescribeTags: (input, ctx) => {
    checkDryRun(input);
    const rows: TagRow[] = [];
    for (const kind of taggableKinds()) {
      const table = ec2Table<Taggable & Record<string, unknown>>(ctx, kind.kind);
      for (const record of table.list(scopeOf(ctx))) {
        const id = String(record[kind.idField] ?? "");
        for (const tag of record.Tags ?? []) rows.push({ ResourceId: id, ResourceType: kind.resourceType, Key: tag.Key, Value: tag.Value });
      }
    }
    const filtered = applyFilters(rows, input.Filters, {
      key: (row) => row.Key,
      value: (row) => row.Value,
      "resource-id": (row) => row.ResourceId,
      "resource-type": (row) => row.ResourceType,
    });
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { Tags: page.items, NextToken: page.nextToken };
  },
};
