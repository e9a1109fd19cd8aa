/** What Lambda answers for a function configuration (State and LastUpdateStatus advanced lazily by time) and lookups by qualifier. */
import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import type { RequestContext } from "../service-types.ts";
import { conflict, functionNotFound, notFound } from "./errors.ts";
import { aliases, functionArn, functions, qualifiedKey, versions, type AliasRecord, type FunctionConfigRecord, type FunctionRecord } from "./state.ts";

/** How long Pending and InProgress last (AWS takes seconds; locally only long enough for the waiters to see a change). */
export const TRANSITION_MS = Number(process.env.STRATUS_LAMBDA_TRANSITION_MS ?? 100);

/** Layer sizes for the view (the configuration stores only the ARNs). */
export type LayerSizes = (arn: string) => number;

export function configurationView(config: FunctionConfigRecord, now = Date.now(), layerSize: LayerSizes = () => 0): FunctionConfiguration {
  const creating = now < config.activeAt;
  const updating = now < config.updateDoneAt;
  // AWS explains only creation; an update in progress carries no reason.
  const explained = config.updating === "create";
  const reason = "The function is being created.";
  const reasonCode = "Creating" as const;
  return {
    FunctionName: config.FunctionName,
    FunctionArn: config.FunctionArn,
    ...(config.Runtime !== undefined ? { Runtime: config.Runtime as FunctionConfiguration["Runtime"] } : {}),
    Role: config.Role,
    ...(config.Handler !== undefined ? { Handler: config.Handler } : {}),
    CodeSize: config.CodeSize,
    Description: config.Description,
    Timeout: config.Timeout,
    MemorySize: config.MemorySize,
    LastModified: config.LastModified,
    CodeSha256: config.CodeSha256,
    Version: config.Version,
    ...(config.Environment ? { Environment: { Variables: config.Environment } } : {}),
    TracingConfig: { Mode: "PassThrough" },
    RevisionId: config.RevisionId,
    ...(config.Layers?.length ? { Layers: config.Layers.map((Arn) => ({ Arn, CodeSize: layerSize(Arn) })) } : {}),
    State: creating ? "Pending" : "Active",
    ...(creating && explained ? { StateReason: reason, StateReasonCode: reasonCode } : {}),
    LastUpdateStatus: updating ? "InProgress" : "Successful",
    ...(updating && explained ? { LastUpdateStatusReason: reason, LastUpdateStatusReasonCode: reasonCode as FunctionConfiguration["LastUpdateStatusReasonCode"] } : {}),
    PackageType: config.image ? "Image" : "Zip",
    ...(imageConfigResponse(config)),
    Architectures: config.Architectures as FunctionConfiguration["Architectures"],
    EphemeralStorage: { Size: config.EphemeralStorageSize },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${config.FunctionName}` },
  };
}

/** ImageConfigResponse: the ImageConfig members set on an image function (absent when none are). */
function imageConfigResponse(config: FunctionConfigRecord): Pick<FunctionConfiguration, "ImageConfigResponse"> {
  const image = config.image;
  if (!image || (image.EntryPoint === undefined && image.Command === undefined && image.WorkingDirectory === undefined)) return {};
  return {
    ImageConfigResponse: {
      ImageConfig: {
        ...(image.EntryPoint ? { EntryPoint: image.EntryPoint } : {}),
        ...(image.Command ? { Command: image.Command } : {}),
        ...(image.WorkingDirectory !== undefined ? { WorkingDirectory: image.WorkingDirectory } : {}),
      },
    },
  };
}

export function requireFunction(ctx: RequestContext, name: string): FunctionRecord {
  const record = functions(ctx.state).get(ctx, name);
  if (!record) throw functionNotFound(functionArn(ctx, name));
  return record;
}

export function findAlias(ctx: RequestContext, name: string, alias: string): AliasRecord | undefined {
  return aliases(ctx.state).get(ctx, qualifiedKey(name, alias));
}

export interface Resolved {
  record: FunctionRecord;
  config: FunctionConfigRecord;
  alias?: AliasRecord;
}

/** The configuration a qualifier names: $LATEST (or none), a version number, or an alias (its primary version). */
export function resolveFunction(ctx: RequestContext, name: string, qualifier: string | undefined): Resolved {
  const record = requireFunction(ctx, name);
  if (qualifier === undefined || qualifier === "$LATEST") return { record, config: record.latest };
  if (/^\d+$/.test(qualifier)) {
    const config = versions(ctx.state).get(ctx, qualifiedKey(name, qualifier));
    if (!config) throw functionNotFound(functionArn(ctx, name, qualifier));
    return { record, config };
  }
  const alias = findAlias(ctx, name, qualifier);
  if (!alias) throw functionNotFound(functionArn(ctx, name, qualifier));
  return { record, config: versionConfig(ctx, record, alias.FunctionVersion), alias };
}

export function versionConfig(ctx: RequestContext, record: FunctionRecord, version: string): FunctionConfigRecord {
  if (version === "$LATEST") return record.latest;
  const config = versions(ctx.state).get(ctx, qualifiedKey(record.latest.FunctionName, version));
  if (!config) throw notFound(`Function not found: ${functionArn(ctx, record.latest.FunctionName, version)}`);
  return config;
}

/** While an update runs, AWS refuses another one. */
export function checkNotUpdating(config: FunctionConfigRecord): void {
  if (Date.now() < config.updateDoneAt) {
    throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${config.FunctionArn}`);
  }
}
