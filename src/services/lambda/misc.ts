/** Tags, resource policies (AddPermission/RemovePermission/GetPolicy), reserved concurrency, account settings, and settings Stratus has only at their defaults. */
import type { LambdaOperations } from "../../generated/lambda.ts";
import { crypto } from "../../shared/builtins.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { conflict, invalidParameter, notFound, preconditionFailed } from "./errors.ts";
import { accountConcurrencyLimit, minimumUnreserved } from "./invoke.ts";
import { functionArn, functions, policies, qualifiedKey, type PolicyStatement } from "./state.ts";
import { parseFunctionRef, resolveQualifier } from "./validate.ts";
import { requireFunction, resolveFunction } from "./view.ts";

type Ops = LambdaOperations;

/** TagResource & co. name the function by its (unqualified) ARN. */
function taggedFunction(ctx: RequestContext, arn: string) {
  const ref = parseFunctionRef(arn, ctx, "resource");
  if (ref.qualifier) throw invalidParameter("Tags are not supported on function versions or aliases.");
  return { name: ref.name, record: requireFunction(ctx, ref.name) };
}

function principalOf(principal: string): unknown {
  if (principal === "*") return "*";
  if (/^\d{12}$/.test(principal)) return { AWS: `arn:aws:iam::${principal}:root` };
  if (principal.startsWith("arn:")) return { AWS: principal };
  return { Service: principal };
}

/** Sum of the reserved concurrency of the account's functions in this region (optionally leaving one out). */
function reservedTotal(ctx: RequestContext, except?: string): number {
  return functions(ctx.state)
    .list(ctx)
    .filter((f) => f.latest.FunctionName !== except)
    .reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
}

export const miscHandlers: HandlerTable<Ops> = {
  TagResource(input, ctx) {
    const { name, record } = taggedFunction(ctx, input.Resource ?? "");
    const tags = { ...record.tags, ...(input.Tags ?? {}) };
    if (Object.keys(tags).length > 50) throw invalidParameter("Number of tags exceeds resource tag limit.");
    functions(ctx.state).put(ctx, name, { ...record, tags });
    return {};
  },

  UntagResource(input, ctx) {
    const { name, record } = taggedFunction(ctx, input.Resource ?? "");
    const tags = { ...record.tags };
    for (const key of input.TagKeys ?? []) delete tags[key];
    functions(ctx.state).put(ctx, name, { ...record, tags });
    return {};
  },

  ListTags(input, ctx) {
    return { Tags: taggedFunction(ctx, input.Resource ?? "").record.tags };
  },

  AddPermission(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const qualifier = resolveQualifier(ref, input.Qualifier);
    const { config } = resolveFunction(ctx, ref.name, qualifier);
    const key = qualifiedKey(ref.name, qualifier ?? "");
    const policy = policies(ctx.state).get(ctx, key) ?? { statements: [], RevisionId: crypto.randomUUID() };
    if (input.RevisionId !== undefined && input.RevisionId !== policy.RevisionId) throw preconditionFailed();
    const sid = input.StatementId ?? "";
    if (policy.statements.some((s) => s.Sid === sid)) {
      throw conflict(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const condition: Record<string, Record<string, string>> = {};
    if (input.SourceAccount) condition.StringEquals = { "AWS:SourceAccount": input.SourceAccount };
    if (input.PrincipalOrgID) condition.StringEquals = { ...condition.StringEquals, "aws:PrincipalOrgID": input.PrincipalOrgID };
    if (input.FunctionUrlAuthType) condition.StringEquals = { ...condition.StringEquals, "lambda:FunctionUrlAuthType": input.FunctionUrlAuthType };
    if (input.SourceArn) condition.ArnLike = { "AWS:SourceArn": input.SourceArn };
    const statement: PolicyStatement = {
      Sid: sid,
      Effect: "Allow",
      Principal: principalOf(input.Principal ?? ""),
      Action: input.Action ?? "",
      Resource: qualifier ? functionArn(ctx, ref.name, qualifier) : config.FunctionArn,
      ...(Object.keys(condition).length ? { Condition: condition } : {}),
    };
    policies(ctx.state).put(ctx, key, { statements: [...policy.statements, statement], RevisionId: crypto.randomUUID() });
    return { Statement: JSON.stringify(statement) };
  },

  RemovePermission(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const qualifier = resolveQualifier(ref, input.Qualifier);
    resolveFunction(ctx, ref.name, qualifier);
    const key = qualifiedKey(ref.name, qualifier ?? "");
    const policy = policies(ctx.state).get(ctx, key);
    if (!policy) throw notFound("No policy is associated with the given resource.");
    if (input.RevisionId !== undefined && input.RevisionId !== policy.RevisionId) throw preconditionFailed();
    const statements = policy.statements.filter((s) => s.Sid !== input.StatementId);
    if (statements.length === policy.statements.length) throw notFound(`Statement ${input.StatementId ?? ""} is not found in resource policy.`);
    if (statements.length === 0) policies(ctx.state).delete(ctx, key);
    else policies(ctx.state).put(ctx, key, { statements, RevisionId: crypto.randomUUID() });
    return {};
  },

  GetPolicy(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const qualifier = resolveQualifier(ref, input.Qualifier);
    resolveFunction(ctx, ref.name, qualifier);
    const policy = policies(ctx.state).get(ctx, qualifiedKey(ref.name, qualifier ?? ""));
    if (!policy) throw notFound("The resource you requested does not exist.");
    return { Policy: JSON.stringify({ Version: "2012-10-17", Id: "default", Statement: policy.statements }), RevisionId: policy.RevisionId };
  },

  PutFunctionConcurrency(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    if (ref.qualifier) throw invalidParameter("Function name cannot have a qualifier for this operation.");
    const record = requireFunction(ctx, ref.name);
    const reserved = input.ReservedConcurrentExecutions ?? 0;
    const limit = accountConcurrencyLimit();
    if (reserved < 0) throw invalidParameter("ReservedConcurrentExecutions must not be negative.");
    if (limit - reservedTotal(ctx, ref.name) - reserved < minimumUnreserved(limit)) {
      throw invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimumUnreserved(limit)}].`,
      );
    }
    functions(ctx.state).put(ctx, ref.name, { ...record, reservedConcurrency: reserved });
    return { ReservedConcurrentExecutions: reserved };
  },

  GetFunctionConcurrency(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const record = requireFunction(ctx, ref.name);
    return record.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: record.reservedConcurrency } : {};
  },

  DeleteFunctionConcurrency(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const { reservedConcurrency: _dropped, ...record } = requireFunction(ctx, ref.name);
    functions(ctx.state).put(ctx, ref.name, record);
    return {};
  },

  /** Stratus cannot attach code signing configs, so a function never has one (what Terraform reads after create). */
  GetFunctionCodeSigningConfig(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    requireFunction(ctx, ref.name);
    return { CodeSigningConfigArn: "", FunctionName: ref.name };
  },

  /** Runtimes follow the Node.js/Python Stratus runs on: Lambda's default mode, Auto. */
  GetRuntimeManagementConfig(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const { config } = resolveFunction(ctx, ref.name, resolveQualifier(ref, input.Qualifier));
    return { UpdateRuntimeOn: "Auto", FunctionArn: config.FunctionArn };
  },

  GetAccountSettings(_input, ctx) {
    const limit = accountConcurrencyLimit();
    const all = functions(ctx.state).list(ctx);
    return {
      AccountLimit: {
        TotalCodeSize: 80530636800,
        CodeSizeUnzipped: 262144000,
        CodeSizeZipped: 52428800,
        ConcurrentExecutions: limit,
        UnreservedConcurrentExecutions: limit - reservedTotal(ctx),
      },
      AccountUsage: { TotalCodeSize: all.reduce((sum, f) => sum + f.latest.CodeSize, 0), FunctionCount: all.length },
    };
  },
};
