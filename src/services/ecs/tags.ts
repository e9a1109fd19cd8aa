/** TagResource, UntagResource and ListTagsForResource on clusters, task definitions, tasks, services and container instances; account settings. */
import type { SettingName, Tag } from "@aws-sdk/client-ecs";
import type { EcsOperations } from "../../generated/ecs.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkTags, mergeTags, parseEcsArn } from "./common.ts";
import { invalidParameter, resourceNotFound } from "./errors.ts";
import { tables } from "./state.ts";
import { taskDefinitionKey } from "./task-definitions.ts";

type Ops = EcsOperations;

interface Tagged {
  tags: Tag[];
  save: (tags: Tag[]) => void;
}

/** The record an ARN names, with a way to write its tags back. */
function taggedResource(ctx: RequestContext, arn: string): Tagged {
  const parsed = parseEcsArn(arn);
  if (!parsed) throw invalidParameter("The ARN provided is invalid.");
  if (parsed.account !== ctx.account || parsed.region !== ctx.region) throw resourceNotFound("The specified resource could not be found.");
  const t = tables(ctx.state);
  const missing = (): never => {
    throw resourceNotFound("The specified resource could not be found.");
  };
  const parts = parsed.rest.split("/");
  switch (parsed.type) {
    case "cluster": {
      const record = t.clusters.get(ctx, parsed.rest);
      if (!record || record.status !== "ACTIVE") return missing();
      return { tags: record.tags, save: (tags) => t.clusters.put(ctx, record.clusterName, { ...record, tags }) };
    }
    case "task-definition": {
      const match = /^([A-Za-z0-9_-]+):(\d+)$/.exec(parsed.rest);
      const key = match ? taskDefinitionKey(match[1] ?? "", Number(match[2])) : "";
      const record = t.taskDefinitions.get(ctx, key);
      if (!record || record.status === "DELETE_IN_PROGRESS") return missing();
      return { tags: record.tags, save: (tags) => t.taskDefinitions.put(ctx, key, { ...record, tags }) };
    }
    case "task": {
      const record = t.tasks.get(ctx, parts[parts.length - 1] ?? "");
      if (!record) return missing();
      return { tags: record.tags, save: (tags) => t.tasks.put(ctx, record.taskId, { ...record, tags }) };
    }
    case "service": {
      // service/<cluster>/<name> (the long ARN format).
      const key = parts.length === 2 ? `${parts[0] ?? ""}/${parts[1] ?? ""}` : `default/${parts[0] ?? ""}`;
      const record = t.services.get(ctx, key);
      if (!record || record.status === "INACTIVE") return missing();
      return { tags: record.tags, save: (tags) => t.services.put(ctx, key, { ...record, tags }) };
    }
    case "container-instance": {
      const record = t.instances.get(ctx, parts[parts.length - 1] ?? "");
      if (!record || record.status === "INACTIVE") return missing();
      return { tags: record.tags, save: (tags) => t.instances.put(ctx, record.id, { ...record, tags }) };
    }
    default:
      throw invalidParameter("The ARN provided is invalid.");
  }
}

interface AccountSetting {
  name: string;
  value: string;
  principalArn: string;
}

/** The account settings AWS lists with their current defaults (all opted in for accounts made after 2021). */
const SETTING_DEFAULTS: Record<string, string> = {
  serviceLongArnFormat: "enabled",
  taskLongArnFormat: "enabled",
  containerInstanceLongArnFormat: "enabled",
  awsvpcTrunking: "disabled",
  containerInsights: "disabled",
  dualStackIPv6: "disabled",
  fargateFIPSMode: "disabled",
  tagResourceAuthorization: "on",
  fargateTaskRetirementWaitPeriod: "7",
  guardDutyActivate: "off",
  defaultLogDriverMode: "non-blocking",
};

const settingsTable = (ctx: RequestContext) => ctx.state.table<AccountSetting>("ecs", "account-setting");

function putSetting(ctx: RequestContext, name: string, value: string, principalArn: string): { name: SettingName; value: string; principalArn: string } {
  if (!(name in SETTING_DEFAULTS)) throw invalidParameter(`Invalid setting name: ${name}.`);
  if (!value) throw invalidParameter("The value must not be empty.");
  settingsTable(ctx).put(ctx, `${principalArn}|${name}`, { name, value, principalArn });
  return { name: name as SettingName, value, principalArn };
}

export const tagHandlers: HandlerTable<Ops> = {
  TagResource: (input, ctx) => {
    const resource = taggedResource(ctx, input.resourceArn ?? "");
    resource.save(mergeTags(resource.tags, checkTags(input.tags)));
    return {};
  },
  UntagResource: (input, ctx) => {
    const resource = taggedResource(ctx, input.resourceArn ?? "");
    resource.save(resource.tags.filter((tag) => !(input.tagKeys ?? []).includes(tag.key ?? "")));
    return {};
  },
  ListTagsForResource: (input, ctx) => ({ tags: taggedResource(ctx, input.resourceArn ?? "").tags }),

  PutAccountSetting: (input, ctx) => {
    const principal = input.principalArn ?? `arn:aws:iam::${ctx.account}:root`;
    return { setting: { ...putSetting(ctx, input.name ?? "", input.value ?? "", principal), type: "user" } };
  },
  PutAccountSettingDefault: (input, ctx) => ({ setting: { ...putSetting(ctx, input.name ?? "", input.value ?? "", `arn:aws:iam::${ctx.account}:root`), type: "user" } }),
  ListAccountSettings: (input, ctx) => {
    const principal = input.principalArn ?? `arn:aws:iam::${ctx.account}:root`;
    const stored = settingsTable(ctx).list(ctx);
    const names = input.name ? [input.name] : Object.keys(SETTING_DEFAULTS);
    const settings = names.map((name) => {
      const own = stored.find((s) => s.name === name && s.principalArn === principal) ?? stored.find((s) => s.name === name && s.principalArn === `arn:aws:iam::${ctx.account}:root`);
      return { name: name as never, value: own?.value ?? SETTING_DEFAULTS[name] ?? "", principalArn: principal, type: own ? ("user" as const) : ("aws_managed" as const) };
    });
    const filtered = settings.filter((s) => input.value === undefined || s.value === input.value);
    return { settings: filtered };
  },
};
