/** Event invoke configs: how many times an Event invocation is retried and how old it may grow before it is dropped. */
import type { LambdaOperations } from "../../generated/lambda.ts";
import type { Table } from "../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { invalidParameter, notFound, validation } from "./errors.ts";
import { functionArn, qualifiedKey } from "./state.ts";
import { parseFunctionRef, resolveQualifier } from "./validate.ts";
import { requireFunction, resolveFunction } from "./view.ts";

type Ops = LambdaOperations;

export interface EventConfigRecord {
  FunctionArn: string;
  LastModified: number;
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
}

const table = (ctx: RequestContext): Table<EventConfigRecord> => ctx.state.table<EventConfigRecord>("lambda", "event-invoke-configs");

/** The config that applies to an invocation of `name` through `qualifier` (none: AWS's defaults). */
export function eventConfigFor(ctx: RequestContext, name: string, qualifier: string | undefined): EventConfigRecord | undefined {
  return table(ctx).get(ctx, qualifiedKey(name, qualifier ?? "$LATEST"));
}

/** DeleteFunction takes the function's event invoke configs with it. */
export function deleteEventConfigs(ctx: RequestContext, name: string): void {
  const prefix = `${functionArn(ctx, name)}:`;
  for (const record of table(ctx).list(ctx)) {
    if (record.FunctionArn.startsWith(prefix)) table(ctx).delete(ctx, qualifiedKey(name, record.FunctionArn.slice(prefix.length)));
  }
}

function target(ctx: RequestContext, functionName: string | undefined, qualifierInput: string | undefined) {
  const ref = parseFunctionRef(functionName ?? "", ctx);
  const qualifier = resolveQualifier(ref, qualifierInput);
  resolveFunction(ctx, ref.name, qualifier);
  return { name: ref.name, key: qualifiedKey(ref.name, qualifier ?? "$LATEST"), arn: functionArn(ctx, ref.name, qualifier ?? "$LATEST") };
}

interface ConfigInput {
  MaximumRetryAttempts?: number | undefined;
  MaximumEventAgeInSeconds?: number | undefined;
  DestinationConfig?: unknown;
}

function check(input: ConfigInput): void {
  // Destinations would need the target services to deliver to: refused rather than stored and ignored.
  if (input.DestinationConfig !== undefined) throw invalidParameter("Stratus does not deliver to event invocation destinations yet (DestinationConfig).");
  const retries = input.MaximumRetryAttempts;
  if (retries !== undefined && (retries < 0 || retries > 2)) throw validation(retries, "maximumRetryAttempts", "Member must have value between 0 and 2");
  const age = input.MaximumEventAgeInSeconds;
  if (age !== undefined && (age < 60 || age > 21600)) throw validation(age, "maximumEventAgeInSeconds", "Member must have value between 60 and 21600");
}

const view = (r: EventConfigRecord) => ({ ...r, LastModified: new Date(r.LastModified) });

function save(ctx: RequestContext, input: ConfigInput & { FunctionName?: string | undefined; Qualifier?: string | undefined }, merge: boolean) {
  check(input);
  const t = target(ctx, input.FunctionName, input.Qualifier);
  const existing = table(ctx).get(ctx, t.key);
  if (merge && !existing) throw notFound(`The function ${t.arn} doesn't have an EventInvokeConfig`);
  const base = merge && existing ? existing : { FunctionArn: t.arn, LastModified: 0 };
  const record: EventConfigRecord = {
    ...base,
    FunctionArn: t.arn,
    LastModified: Date.now(),
    ...(input.MaximumRetryAttempts !== undefined ? { MaximumRetryAttempts: input.MaximumRetryAttempts } : {}),
    ...(input.MaximumEventAgeInSeconds !== undefined ? { MaximumEventAgeInSeconds: input.MaximumEventAgeInSeconds } : {}),
  };
  table(ctx).put(ctx, t.key, record);
  return view(record);
}

export const eventConfigHandlers: HandlerTable<Ops> = {
  PutFunctionEventInvokeConfig: (input, ctx) => save(ctx, input, false),
  UpdateFunctionEventInvokeConfig: (input, ctx) => save(ctx, input, true),

  GetFunctionEventInvokeConfig(input, ctx) {
    const t = target(ctx, input.FunctionName, input.Qualifier);
    const found = table(ctx).get(ctx, t.key);
    if (!found) throw notFound(`The function ${t.arn} doesn't have an EventInvokeConfig`);
    return view(found);
  },

  DeleteFunctionEventInvokeConfig(input, ctx) {
    const t = target(ctx, input.FunctionName, input.Qualifier);
    if (!table(ctx).delete(ctx, t.key)) throw notFound(`The function ${t.arn} doesn't have an EventInvokeConfig`);
    return {};
  },

  ListFunctionEventInvokeConfigs(input, ctx) {
    const name = parseFunctionRef(input.FunctionName ?? "", ctx).name;
    requireFunction(ctx, name);
    const all = table(ctx)
      .list(ctx)
      .filter((r) => r.FunctionArn.startsWith(`${functionArn(ctx, name)}:`));
    return { FunctionEventInvokeConfigs: all.map(view) };
  },
};
