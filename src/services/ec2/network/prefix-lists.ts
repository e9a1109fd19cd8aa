/** Prefix lists: the AWS-managed S3/DynamoDB lists of the region and customer-managed lists with versions. */
import type { ManagedPrefixList, PrefixListEntry } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import { crypto } from "../../../shared/builtins.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { arnOf, newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { formatCidr, parseCidr } from "./cidr.ts";
import type { Net, StoredPrefixList } from "./state.ts";
import { networkFor } from "./vpcs.ts";
import { idempotent } from "./idempotency.ts";

/** The gateway-endpoint services AWS publishes prefix lists for, with us-east-1's published ids and ranges. */
const AWS_SERVICES: Record<string, { usEast1Id: string; cidrs: string[] }> = {
  s3: { usEast1Id: "pl-63a5400a", cidrs: ["16.15.176.0/20", "16.182.0.0/16", "18.34.0.0/19", "3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"] },
  dynamodb: { usEast1Id: "pl-02cd2c6b", cidrs: ["3.218.180.0/22", "52.94.0.0/22", "52.119.224.0/20"] },
};

/** Other regions: a stable id derived from the region (the real ids differ per region too). */
const awsListId = (region: string, service: string, usEast1Id: string): string =>
  region === "us-east-1" ? usEast1Id : `pl-${crypto.createHash("sha256").update(`${region}/${service}`).digest("hex").slice(0, 8)}`;

export function awsPrefixLists(region: string): StoredPrefixList[] {
  return Object.entries(AWS_SERVICES).map(([service, info]) => {
    const id = awsListId(region, service, info.usEast1Id);
    return {
      PrefixListId: id,
      AddressFamily: "IPv4",
      State: "create-complete",
      PrefixListArn: `arn:aws:ec2:${region}:aws:prefix-list/${id}`,
      PrefixListName: `com.amazonaws.${region}.${service}`,
      Tags: [],
      OwnerId: "AWS",
      Entries: info.cidrs.map((cidr) => ({ Cidr: cidr })),
    };
  });
}

/** The AWS-managed list of a gateway service (s3, dynamodb) in the region. */
export const awsPrefixListFor = (region: string, service: string): StoredPrefixList | undefined =>
  awsPrefixLists(region).find((list) => list.PrefixListName === `com.amazonaws.${region}.${service}`);

export const allPrefixLists = (n: Net): StoredPrefixList[] => [...awsPrefixLists(n.scope.region), ...n.prefixLists.list()];

export function findPrefixList(n: Net, id: string): StoredPrefixList | undefined {
  return n.prefixLists.get(id) ?? awsPrefixLists(n.scope.region).find((list) => list.PrefixListId === id);
}

export function requirePrefixList(n: Net, id: string | undefined): StoredPrefixList {
  const list = id ? findPrefixList(n, id) : undefined;
  if (!list) throw notFound("InvalidPrefixListID.NotFound", "prefix list", id ?? "");
  return list;
}

/** What the API shows of a list (entries and history are fetched with GetManagedPrefixListEntries). */
const listView = ({ Entries: _entries, History: _history, ...list }: StoredPrefixList & { History?: PrefixListEntry[][] }): ManagedPrefixList => list;

function validEntries(entries: ReadonlyArray<{ Cidr?: string | undefined; Description?: string | undefined }>): PrefixListEntry[] {
  return entries.map((entry) => {
    const cidr = parseCidr(entry.Cidr ?? "");
    if (!cidr) throw invalidParameterValue(`Value (${entry.Cidr ?? ""}) for parameter cidr is invalid. This is not a valid CIDR block.`);
    return { Cidr: formatCidr(cidr), ...(entry.Description !== undefined ? { Description: entry.Description } : {}) };
  });
}

type HistoryList = StoredPrefixList & { History?: PrefixListEntry[][] };

function ownList(ctx: RequestContext, n: Net, id: string | undefined): HistoryList {
  const list = requirePrefixList(n, id);
  if (list.OwnerId === "AWS") throw ec2Error("InvalidPrefixListModification", `The prefix list ${list.PrefixListId ?? ""} is managed by AWS and cannot be modified.`);
  return list as HistoryList;
}

export const prefixListHandlers: HandlerTable<Ec2Operations> = {
  CreateManagedPrefixList: idempotent("CreateManagedPrefixList", (input, ctx) => {
    const n = networkFor(ctx);
    const entries = validEntries(input.Entries ?? []);
    const maxEntries = input.MaxEntries ?? 0;
    if (maxEntries < 1 || maxEntries > 1000) throw invalidParameterValue(`Invalid value '${maxEntries}' for maxEntries. It must be between 1 and 1000.`);
    if (entries.length > maxEntries) throw invalidParameterValue(`The number of entries (${entries.length}) exceeds the maximum (${maxEntries}).`);
    if (input.AddressFamily !== "IPv4" && input.AddressFamily !== "IPv6") throw invalidParameterValue(`Invalid value '${input.AddressFamily ?? ""}' for addressFamily.`);
    checkTagSpecificationTypes(input.TagSpecifications, ["prefix-list"]);
    const tags = tagsFor(input.TagSpecifications, "prefix-list");
    checkDryRun(input);
    const id = newEc2Id("pl");
    const list: HistoryList = {
      PrefixListId: id,
      AddressFamily: input.AddressFamily,
      State: "create-complete",
      PrefixListArn: arnOf(ctx.region, ctx.account, `prefix-list/${id}`),
      PrefixListName: input.PrefixListName,
      MaxEntries: maxEntries,
      Version: 1,
      Tags: tags,
      OwnerId: ctx.account,
      Entries: entries,
      History: [entries],
    };
    n.prefixLists.put(id, list);
    return { PrefixList: listView(list) };
  }),


  DescribeManagedPrefixLists: (input, ctx) => {
    const n = networkFor(ctx);
    let selected = allPrefixLists(n);
    if (input.PrefixListIds && input.PrefixListIds.length > 0) {
      for (const id of input.PrefixListIds) requirePrefixList(n, id);
      const ids = new Set(input.PrefixListIds);
      selected = selected.filter((l) => ids.has(l.PrefixListId ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "owner-id": (l) => l.OwnerId,
        "prefix-list-id": (l) => l.PrefixListId,
        "prefix-list-name": (l) => l.PrefixListName,
      },
      (l) => l.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 1, max: 100 });
    return { PrefixLists: page.items.map(listView), NextToken: page.nextToken };
  },

  GetManagedPrefixListEntries: (input, ctx) => {
    const n = networkFor(ctx);
    const list = requirePrefixList(n, input.PrefixListId) as HistoryList;
    checkDryRun(input);
    let entries = list.Entries;
    if (input.TargetVersion !== undefined && list.History) {
      const version = list.History[input.TargetVersion - 1];
      if (!version) throw invalidParameterValue(`The version ${input.TargetVersion} of prefix list ${list.PrefixListId ?? ""} does not exist.`);
      entries = version;
    }
    const page = paginate(entries, input.MaxResults, input.NextToken, { min: 1, max: 100 });
    return { Entries: page.items, NextToken: page.nextToken };
  },

  ModifyManagedPrefixList: (input, ctx) => {
    const n = networkFor(ctx);
    const list = ownList(ctx, n, input.PrefixListId);
    if (input.CurrentVersion !== undefined && input.CurrentVersion !== list.Version) {
      throw ec2Error("PrefixListVersionMismatch", `The prefix list has the incorrect version number. The current version is ${list.Version ?? 1}.`);
    }
    const removed = new Set(validEntries(input.RemoveEntries ?? []).map((e) => e.Cidr));
    for (const cidr of removed) {
      if (!list.Entries.some((e) => e.Cidr === cidr)) throw invalidParameterValue(`The entry ${cidr ?? ""} does not exist in the prefix list.`);
    }
    const added = validEntries(input.AddEntries ?? []);
    const entries = [...list.Entries.filter((e) => !removed.has(e.Cidr)).filter((e) => !added.some((a) => a.Cidr === e.Cidr)), ...added];
    const maxEntries = input.MaxEntries ?? list.MaxEntries ?? 0;
    if (entries.length > maxEntries) throw invalidParameterValue(`The number of entries (${entries.length}) exceeds the maximum (${maxEntries}).`);
    checkDryRun(input);
    const changedEntries = removed.size > 0 || added.length > 0;
    const next: HistoryList = {
      ...list,
      PrefixListName: input.PrefixListName ?? list.PrefixListName,
      MaxEntries: maxEntries,
      State: "modify-complete",
      Entries: entries,
      Version: changedEntries ? (list.Version ?? 1) + 1 : list.Version,
      History: changedEntries ? [...(list.History ?? [list.Entries]), entries] : list.History,
    };
    n.prefixLists.put(list.PrefixListId ?? "", next);
    return { PrefixList: listView(next) };
  },

  DeleteManagedPrefixList: (input, ctx) => {
    const n = networkFor(ctx);
    const list = ownList(ctx, n, input.PrefixListId);
    const id = list.PrefixListId ?? "";
    const inUse = n.rules.list().some((r) => r.PrefixListId === id) || n.routeTables.list().some((t) => (t.Routes ?? []).some((r) => r.DestinationPrefixListId === id));
    if (inUse) throw ec2Error("DependencyViolation", `The prefix list ${id} is referenced by a security group rule or a route and cannot be deleted.`);
    checkDryRun(input);
    n.prefixLists.delete(id);
    return { PrefixList: { ...listView(list), State: "delete-complete" } };
  },

  DescribePrefixLists: (input, ctx) => {
    const n = networkFor(ctx);
    let selected = awsPrefixLists(n.scope.region);
    if (input.PrefixListIds && input.PrefixListIds.length > 0) {
      for (const id of input.PrefixListIds) {
        if (!selected.some((l) => l.PrefixListId === id)) throw notFound("InvalidPrefixListID.NotFound", "prefix list", id);
      }
      const ids = new Set(input.PrefixListIds);
      selected = selected.filter((l) => ids.has(l.PrefixListId ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(selected, input.Filters, { "prefix-list-id": (l) => l.PrefixListId, "prefix-list-name": (l) => l.PrefixListName });
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return {
      PrefixLists: page.items.map((l) => ({ PrefixListId: l.PrefixListId, PrefixListName: l.PrefixListName, Cidrs: l.Entries.map((e) => e.Cidr ?? "") })),
      NextToken: page.nextToken,
    };
  },
};
