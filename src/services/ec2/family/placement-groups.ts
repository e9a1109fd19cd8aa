/** Placement groups (cluster, spread, partition): create, describe with filters, delete (refused while instances use it). */
import type { PlacementGroup, SpreadLevel } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { arnOf, newEc2Id } from "../shared/ids.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, registerTaggable, tagsFor, type Tag } from "../shared/tags.ts";
import { listInstances } from "../instances/api.ts";

export const PLACEMENT_GROUPS = "placement-groups";

export interface PlacementGroupRecord {
  GroupId: string;
  GroupName: string;
  GroupArn: string;
  State: "available";
  Strategy: "cluster" | "spread" | "partition";
  PartitionCount?: number;
  SpreadLevel?: SpreadLevel;
  Tags: Tag[];
}

registerTaggable({
  prefix: "pg",
  kind: PLACEMENT_GROUPS,
  resourceType: "placement-group",
  idField: "GroupId",
  notFoundCode: "InvalidPlacementGroupId.NotFound",
  noun: "placement group",
});

const table = (ctx: RequestContext) => ec2Table<PlacementGroupRecord>(ctx, PLACEMENT_GROUPS);

export const placementGroupByName = (ctx: RequestContext, name: string): PlacementGroupRecord | undefined =>
  table(ctx)
    .list(scopeOf(ctx))
    .find((record) => record.GroupName === name);

export const unknownGroup = (name: string) => ec2Error("InvalidPlacementGroup.Unknown", `The Placement Group '${name}' is unknown.`);

export const placementGroupView = (record: PlacementGroupRecord): PlacementGroup => ({ ...record });

/** Instances not yet terminated that name the group in their Placement (shutting-down ones still count, as on EC2). */
function groupInUse(ctx: RequestContext, name: string): boolean {
  return listInstances(ctx).some((instance) => instance.Placement?.GroupName === name && instance.State?.Name !== "terminated");
}

export const placementGroupHandlers: HandlerTable<Ec2Operations> = {
  CreatePlacementGroup: (input, ctx) => {
    const name = input.GroupName;
    if (!name) throw missingParameter("groupName");
    if (name.length > 255 || !/^[\x20-\x7e]+$/.test(name)) {
      throw invalidParameterValue(`Value (${name}) for parameter groupName is invalid. Expected: 'Up to 255 ASCII characters'.`);
    }
    const strategy = input.Strategy;
    if (!strategy) throw missingParameter("strategy");
    if (strategy !== "cluster" && strategy !== "spread" && strategy !== "partition") {
      throw invalidParameterValue(`Value (${String(strategy)}) for parameter strategy is invalid. Expected: 'cluster, spread, partition'.`);
    }
    if (input.PartitionCount !== undefined) {
      if (strategy !== "partition") throw ec2Error("InvalidParameterCombination", "The partition count can be specified only for partition placement groups.");
      if (!Number.isInteger(input.PartitionCount) || input.PartitionCount < 1 || input.PartitionCount > 7) {
        throw invalidParameterValue(`Value (${input.PartitionCount}) for parameter partitionCount is invalid. Expected a value between 1 and 7.`);
      }
    }
    if (input.SpreadLevel !== undefined) {
      if (strategy !== "spread") throw ec2Error("InvalidParameterCombination", "The spread level can be specified only for spread placement groups.");
      if (input.SpreadLevel !== "host" && input.SpreadLevel !== "rack") {
        throw invalidParameterValue(`Value (${String(input.SpreadLevel)}) for parameter spreadLevel is invalid. Expected: 'host, rack'.`);
      }
    }
    checkTagSpecificationTypes(input.TagSpecifications, ["placement-group"]);
    const tags = tagsFor(input.TagSpecifications, "placement-group");
    if (placementGroupByName(ctx, name)) throw ec2Error("InvalidPlacementGroup.Duplicate", `The Placement Group '${name}' already exists.`);
    checkDryRun(input);
    const record: PlacementGroupRecord = {
      GroupId: newEc2Id("pg"),
      GroupName: name,
      GroupArn: arnOf(ctx.region, ctx.account, `placement-group/${name}`),
      State: "available",
      Strategy: strategy,
      // EC2 defaults: two partitions, rack-level spread.
      ...(strategy === "partition" ? { PartitionCount: input.PartitionCount ?? 2 } : {}),
      ...(strategy === "spread" ? { SpreadLevel: input.SpreadLevel ?? "rack" } : {}),
      Tags: tags,
    };
    table(ctx).put(scopeOf(ctx), record.GroupId, record);
    return { PlacementGroup: placementGroupView(record) };
  },

  DescribePlacementGroups: (input, ctx) => {
    const all = table(ctx).list(scopeOf(ctx));
    let selected = all;
    if (input.GroupNames?.length) {
      for (const name of input.GroupNames) if (!all.some((record) => record.GroupName === name)) throw unknownGroup(name);
      selected = selected.filter((record) => input.GroupNames?.includes(record.GroupName));
    }
    if (input.GroupIds?.length) {
      for (const id of input.GroupIds) {
        if (!all.some((record) => record.GroupId === id)) throw ec2Error("InvalidPlacementGroupId.NotFound", `The Placement Group ID '${id}' does not exist`);
      }
      selected = selected.filter((record) => input.GroupIds?.includes(record.GroupId));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "group-name": (record) => record.GroupName,
        "group-arn": (record) => record.GroupArn,
        "spread-level": (record) => record.SpreadLevel,
        state: (record) => record.State,
        strategy: (record) => record.Strategy,
      },
      (record) => record.Tags,
    );
    return { PlacementGroups: filtered.map(placementGroupView) };
  },

  DeletePlacementGroup: (input, ctx) => {
    const name = input.GroupName ?? "";
    const record = placementGroupByName(ctx, name);
    if (!record) throw unknownGroup(name);
    if (groupInUse(ctx, name)) throw ec2Error("InvalidPlacementGroup.InUse", `The placement group '${name}' is in use and may not be deleted.`);
    checkDryRun(input);
    table(ctx).delete(scopeOf(ctx), record.GroupId);
    return {};
  },
};
