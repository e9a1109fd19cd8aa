/** Tags on log groups: the old by-name APIs (TagLogGroup, …) and the by-ARN ones (TagResource, …). */
import type { CloudwatchLogsOperations } from "../../../generated/cloudwatch-logs.ts";
import type { Scope } from "../../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { invalidParameter, resourceNotFound } from "../errors.ts";
import { groupTable, requireGroup, type LogGroupRecord } from "../state.ts";
import { checkTagMap, removeTagKeys } from "../tags.ts";
import { checkGroupName } from "../validate.ts";

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });
const TAGGABLE_ARN = /^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):([a-z-]+):(.+)$/;

/** The log group a taggable ARN names (with or without `:*`); other Logs resource types are not modelled here. */
function groupByArn(ctx: RequestContext, arn: string | undefined): LogGroupRecord {
  const match = TAGGABLE_ARN.exec(arn ?? "");
  if (!match) throw invalidParameter(`Invalid ARN: ${arn ?? ""}`);
  const [, region, account, type, rest = ""] = match;
  const name = rest.endsWith(":*") ? rest.slice(0, -2) : rest;
  const group = type === "log-group" && region === ctx.region && account === ctx.account ? groupTable(ctx.state).get(scopeOf(ctx), name) : undefined;
  if (!group) throw resourceNotFound(`The specified resource does not exist: ${arn ?? ""}`);
  return group;
}

const save = (ctx: RequestContext, group: LogGroupRecord): void => {
  groupTable(ctx.state).put(scopeOf(ctx), group.logGroupName, group);
};

export const taggingHandlers: HandlerTable<CloudwatchLogsOperations> = {
  TagLogGroup(input, ctx) {
    const group = requireGroup(ctx.state, scopeOf(ctx), checkGroupName(input.logGroupName));
    save(ctx, { ...group, tags: checkTagMap(input.tags, group.tags) });
    return {};
  },

  UntagLogGroup(input, ctx) {
    const group = requireGroup(ctx.state, scopeOf(ctx), checkGroupName(input.logGroupName));
    save(ctx, { ...group, tags: removeTagKeys(group.tags, input.tags) });
    return {};
  },

  ListTagsLogGroup(input, ctx) {
    const group = requireGroup(ctx.state, scopeOf(ctx), checkGroupName(input.logGroupName));
    return { tags: { ...group.tags } };
  },

  TagResource(input, ctx) {
    const group = groupByArn(ctx, input.resourceArn);
    save(ctx, { ...group, tags: checkTagMap(input.tags, group.tags, "TooManyTags") });
    return {};
  },

  UntagResource(input, ctx) {
    const group = groupByArn(ctx, input.resourceArn);
    save(ctx, { ...group, tags: removeTagKeys(group.tags, input.tagKeys) });
    return {};
  },

  ListTagsForResource(input, ctx) {
    return { tags: { ...groupByArn(ctx, input.resourceArn).tags } };
  },
};
