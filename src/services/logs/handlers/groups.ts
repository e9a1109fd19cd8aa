/** Log groups: create, describe (prefix, pattern, paging), delete, retention and deletion protection. */
import type { LogGroupClass } from "@aws-sdk/client-cloudwatch-logs";
import type { CloudwatchLogsOperations } from "../../../generated/cloudwatch-logs.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import type { Scope } from "../../../state/state-store.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import { alreadyExists, constraint, invalidParameter } from "../errors.ts";
import { deleteStreamRows, groupTable, newGroup, requireGroup, streamsOf, type LogGroupRecord } from "../state.ts";
import { checkTagMap } from "../tags.ts";
import { checkGroupName, checkLimit, identifierName, paginate } from "../validate.ts";
import { groupView } from "../views.ts";

/** The only retention periods PutRetentionPolicy accepts. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
const GROUP_CLASSES: readonly LogGroupClass[] = ["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"];
const isGroupClass = (value: string): value is LogGroupClass => (GROUP_CLASSES as readonly string[]).includes(value);

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });
const storedBytes = (ctx: RequestContext, name: string): number =>
  streamsOf(ctx.state, scopeOf(ctx), name).reduce((total, stream) => total + stream.storedBytes, 0);

function checkClass(value: string | undefined): LogGroupClass {
  if (value === undefined) return "STANDARD";
  if (!isGroupClass(value)) throw constraint(value, "logGroupClass", `Member must satisfy enum value set: [${GROUP_CLASSES.join(", ")}]`);
  return value;
}

export const groupHandlers: HandlerTable<CloudwatchLogsOperations> = {
  CreateLogGroup(input, ctx) {
    const name = checkGroupName(input.logGroupName);
    const logGroupClass = checkClass(input.logGroupClass);
    const tags = checkTagMap(input.tags, {});
    if (input.kmsKeyId !== undefined && input.kmsKeyId.length > 256) throw constraint(input.kmsKeyId, "kmsKeyId", "Member must have length less than or equal to 256");
    const groups = groupTable(ctx.state);
    if (groups.has(scopeOf(ctx), name)) throw alreadyExists("The specified log group already exists");
    groups.put(
      scopeOf(ctx),
      name,
      newGroup(name, {
        logGroupClass,
        tags,
        ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
        ...(input.deletionProtectionEnabled !== undefined ? { deletionProtectionEnabled: input.deletionProtectionEnabled } : {}),
      }),
    );
    return {};
  },

  DescribeLogGroups(input, ctx) {
    const scope = scopeOf(ctx);
    const limit = checkLimit(input.limit, 50, 50);
    if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
      throw invalidParameter("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
    }
    const prefix = input.logGroupNamePrefix;
    const pattern = input.logGroupNamePattern?.toLowerCase();
    const wanted = input.logGroupIdentifiers ? new Set(input.logGroupIdentifiers.map((id) => identifierName(scope, id, "logGroupIdentifiers"))) : undefined;
    const groups = groupTable(ctx.state)
      .list(scope)
      .filter(
        (group) =>
          (prefix === undefined || group.logGroupName.startsWith(prefix)) &&
          // logGroupNamePattern is a case-insensitive substring match.
          (pattern === undefined || group.logGroupName.toLowerCase().includes(pattern)) &&
          (input.logGroupClass === undefined || group.logGroupClass === input.logGroupClass) &&
          (wanted === undefined || wanted.has(group.logGroupName)),
      )
      .sort((a, b) => (a.logGroupName < b.logGroupName ? -1 : a.logGroupName > b.logGroupName ? 1 : 0));
    const page = paginate(groups, (group) => group.logGroupName, input.nextToken, limit);
    return {
      logGroups: page.items.map((group) => groupView(scope, group, storedBytes(ctx, group.logGroupName))),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },

  DeleteLogGroup(input, ctx) {
    const scope = scopeOf(ctx);
    const group = requireGroup(ctx.state, scope, checkGroupName(input.logGroupName));
    if (group.deletionProtectionEnabled) {
      // AWS documents this answer for protected groups (ValidationException, not InvalidOperationException).
      throw new AwsError("ValidationException", "Cannot delete log group with deletion protection enabled. Disable deletion protection first.");
    }
    ctx.state.transaction(() => {
      for (const stream of streamsOf(ctx.state, scope, group.logGroupName)) deleteStreamRows(ctx.state, scope, stream);
      groupTable(ctx.state).delete(scope, group.logGroupName);
    });
    return {};
  },

  PutRetentionPolicy(input, ctx) {
    const name = checkGroupName(input.logGroupName);
    const days = input.retentionInDays;
    if (days === undefined || !RETENTION_DAYS.includes(days)) {
      throw constraint(days, "retentionInDays", `Member must satisfy enum value set: [${RETENTION_DAYS.join(", ")}]`);
    }
    const group = requireGroup(ctx.state, scopeOf(ctx), name);
    groupTable(ctx.state).put(scopeOf(ctx), name, { ...group, retentionInDays: days });
    return {};
  },

  DeleteRetentionPolicy(input, ctx) {
    const name = checkGroupName(input.logGroupName);
    const { retentionInDays: _dropped, ...group } = requireGroup(ctx.state, scopeOf(ctx), name);
    groupTable(ctx.state).put(scopeOf(ctx), name, group satisfies LogGroupRecord);
    return {};
  },

  PutLogGroupDeletionProtection(input, ctx) {
    const scope = scopeOf(ctx);
    const name = identifierName(scope, input.logGroupIdentifier ?? "");
    const group = requireGroup(ctx.state, scope, name);
    groupTable(ctx.state).put(scope, name, { ...group, deletionProtectionEnabled: input.deletionProtectionEnabled ?? false });
    return {};
  },
};
