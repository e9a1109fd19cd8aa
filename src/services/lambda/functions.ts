/** Lambda functions: create, read, list, update code and configuration, delete. */
import type { LambdaOperations } from "../../generated/lambda.ts";
import { crypto } from "../../shared/builtins.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { encodeToken, isOffset, readToken } from "../page-tokens.ts";
import { codeLocation, imageConfigOf, resolveImageCode, storeCode } from "./code.ts";
import { conflict, functionNotFound, invalidParameter, preconditionFailed, validation } from "./errors.ts";
import { retireEnvironments } from "./invoke.ts";
import { aliases, aliasesOf, functionArn, functions, lambdaTimestamp, policies, qualifiedKey, versions, versionsOf, type FunctionConfigRecord, type FunctionRecord, type ImageRecord } from "./state.ts";
import { checkDescription, checkEnvironment, checkHandler, checkMemory, checkRole, checkRuntime, checkTimeout, parseFunctionRef, resolveQualifier } from "./validate.ts";
import { checkNotUpdating, configurationView, requireFunction, resolveFunction, TRANSITION_MS } from "./view.ts";
import { deleteEventConfigs } from "./event-config.ts";
import { checkLayers, layerSizes } from "./layers.ts";
import { deleteUrlConfigs } from "./urls.ts";

type Ops = LambdaOperations;

/** FunctionName of a call that names an unqualified function (CreateFunction, UpdateFunctionCode, …). */
function unqualifiedName(value: string, ctx: RequestContext): string {
  const ref = parseFunctionRef(value, ctx);
  if (ref.qualifier) throw invalidParameter("Function name cannot have a qualifier for this operation.");
  return ref.name;
}

function checkRevision(expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) throw preconditionFailed();
}

const IMAGE_ONLY = "Please don't provide Handler or Runtime or Layer when the intended function PackageType is Image.";
const ZIP_NO_IMAGE_CONFIG = "Please don't provide ImageConfig when the intended function PackageType is Zip.";

/** UpdateFunctionCode of an image function: a new ImageUri, resolved to its digest now (as Lambda does); ImageConfig kept. */
async function updateImageCode(ctx: RequestContext, record: FunctionRecord, input: Ops["UpdateFunctionCode"]["input"]) {
  if (input.ZipFile !== undefined || input.S3Bucket !== undefined || input.S3Key !== undefined || input.ImageUri === undefined) {
    throw invalidParameter("Please provide ImageUri when updating a function with packageType Image.");
  }
  const old = record.latest.image;
  const resolved = await resolveImageCode(ctx, input.ImageUri, { EntryPoint: old?.EntryPoint, Command: old?.Command, WorkingDirectory: old?.WorkingDirectory });
  // The lookup waited: the function may have changed or gone meanwhile.
  const current = requireFunction(ctx, record.latest.FunctionName);
  if (current.latest.RevisionId !== record.latest.RevisionId) checkNotUpdating(current.latest);
  checkRevision(input.RevisionId, current.latest.RevisionId);
  const latest: FunctionConfigRecord = {
    ...current.latest,
    CodeSha256: resolved.CodeSha256,
    CodeSize: 0,
    image: resolved.image,
    ...(input.Architectures ? { Architectures: input.Architectures } : {}),
  };
  if (input.DryRun) return configurationView(latest) as Ops["UpdateFunctionCode"]["output"];
  return saveUpdate(ctx, current, latest, input.Publish === true) as Ops["UpdateFunctionCode"]["output"];
}

const DEFAULT_TIMEOUT = 3;
const DEFAULT_MEMORY = 128;

export const functionHandlers: HandlerTable<Ops> = {
  async CreateFunction(input, ctx) {
    const name = unqualifiedName(input.FunctionName ?? "", ctx);
    const isImage = input.PackageType === "Image";
    if (isImage) {
      // The image brings its runtime, handler (CMD) and files.
      if (input.Runtime !== undefined || input.Handler !== undefined || input.Layers?.length) throw invalidParameter(IMAGE_ONLY);
    } else {
      if (input.Runtime === undefined) throw invalidParameter("Runtime is required when PackageType is Zip.");
      checkRuntime(input.Runtime);
      checkHandler(input.Handler, input.Runtime);
      if (input.ImageConfig !== undefined) throw invalidParameter(ZIP_NO_IMAGE_CONFIG);
    }
    checkRole(input.Role ?? "", ctx);
    const memory = input.MemorySize ?? DEFAULT_MEMORY;
    const timeout = input.Timeout ?? DEFAULT_TIMEOUT;
    checkMemory(memory);
    checkTimeout(timeout);
    checkDescription(input.Description ?? "");
    if (input.Environment?.Variables) checkEnvironment(input.Environment.Variables);
    const layers = checkLayers(ctx, input.Layers);
    if (functions(ctx.state).has(ctx, name)) throw conflict(`Function already exist: ${name}`);
    let code: { codeDigest: string; CodeSha256: string; CodeSize: number; hotReloadDir?: string; image?: ImageRecord };
    if (isImage) {
      if (input.Code?.ZipFile !== undefined || input.Code?.S3Bucket !== undefined || input.Code?.S3Key !== undefined) throw invalidParameter("Please provide ImageUri when updating a function with packageType Image.");
      if (input.Code?.ImageUri === undefined) throw invalidParameter("Please provide a source for function code.");
      const resolved = await resolveImageCode(ctx, input.Code.ImageUri, input.ImageConfig);
      // Resolving the image waited: another call may have made the function meanwhile.
      if (functions(ctx.state).has(ctx, name)) throw conflict(`Function already exist: ${name}`);
      code = { codeDigest: "", CodeSha256: resolved.CodeSha256, CodeSize: 0, image: resolved.image };
    } else {
      code = storeCode(ctx.state, input.Code ?? {}, "CreateFunction");
    }
    const now = Date.now();
    const latest: FunctionConfigRecord = {
      FunctionName: name,
      FunctionArn: functionArn(ctx, name),
      Runtime: input.Runtime,
      Role: input.Role ?? "",
      ...(input.Handler !== undefined ? { Handler: input.Handler } : {}),
      CodeSize: code.CodeSize,
      Description: input.Description ?? "",
      Timeout: timeout,
      MemorySize: memory,
      LastModified: lambdaTimestamp(now),
      CodeSha256: code.CodeSha256,
      Version: "$LATEST",
      ...(input.Environment?.Variables ? { Environment: input.Environment.Variables } : {}),
      RevisionId: crypto.randomUUID(),
      Architectures: input.Architectures ?? ["x86_64"],
      EphemeralStorageSize: input.EphemeralStorage?.Size ?? 512,
      ...(layers.length ? { Layers: layers } : {}),
      codeDigest: code.codeDigest,
      ...(code.hotReloadDir ? { hotReloadDir: code.hotReloadDir } : {}),
      ...(code.image ? { image: code.image } : {}),
      activeAt: now + TRANSITION_MS,
      updateDoneAt: now + TRANSITION_MS,
      updating: "create",
    };
    const record: FunctionRecord = { latest, tags: { ...(input.Tags ?? {}) }, nextVersion: 1 };
    let published: FunctionConfigRecord | undefined;
    if (input.Publish) published = publishFrom(ctx, record, undefined);
    ctx.state.transaction(() => {
      functions(ctx.state).put(ctx, name, record);
      if (published) versions(ctx.state).put(ctx, qualifiedKey(name, published.Version), published);
    });
    return configurationView(published ?? latest, now, layerSizes(ctx)) as Ops["CreateFunction"]["output"];
  },

  GetFunction(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const { record, config } = resolveFunction(ctx, ref.name, resolveQualifier(ref, input.Qualifier));
    return {
      Configuration: configurationView(config, Date.now(), layerSizes(ctx)),
      Code: config.image
        ? { RepositoryType: "ECR", ImageUri: config.image.ImageUri, ResolvedImageUri: config.image.ResolvedImageUri }
        : config.hotReloadDir
          ? { RepositoryType: "S3", Location: config.hotReloadDir }
          : { RepositoryType: "S3", Location: codeLocation(ctx.endpoint, config.codeDigest) },
      ...(Object.keys(record.tags).length ? { Tags: record.tags } : {}),
      ...(record.reservedConcurrency !== undefined ? { Concurrency: { ReservedConcurrentExecutions: record.reservedConcurrency } } : {}),
    };
  },

  GetFunctionConfiguration(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    return configurationView(resolveFunction(ctx, ref.name, resolveQualifier(ref, input.Qualifier)).config, Date.now(), layerSizes(ctx)) as Ops["GetFunctionConfiguration"]["output"];
  },

  ListFunctions(input, ctx) {
    const max = input.MaxItems ?? 50;
    if (max < 1 || max > 10000) throw validation(max, "maxItems", "Member must have value between 1 and 10000");
    const all = input.FunctionVersion === "ALL";
    const configs = functions(ctx.state)
      .list(ctx)
      .sort((a, b) => a.latest.FunctionName.localeCompare(b.latest.FunctionName))
      .flatMap((f) => (all ? [f.latest, ...versionsOf(ctx.state, ctx, f.latest.FunctionName)] : [f.latest]));
    const marker = input.Marker ? readToken(input.Marker, isOffset) : { o: 0 };
    if (!marker) throw invalidParameter("Invalid marker.");
    const start = marker.o;
    const page = configs.slice(start, start + max);
    const next = start + max < configs.length ? encodeToken({ o: start + max }) : undefined;
    return { Functions: page.map((c) => configurationView(c)), ...(next ? { NextMarker: next } : {}) };
  },

  async UpdateFunctionCode(input, ctx) {
    const name = unqualifiedName(input.FunctionName ?? "", ctx);
    const found = requireFunction(ctx, name);
    checkRevision(input.RevisionId, found.latest.RevisionId);
    checkNotUpdating(found.latest);
    if (found.latest.image) return updateImageCode(ctx, found, input);
    const record = found;
    const code = storeCode(ctx.state, input, "UpdateFunctionCode");
    if (input.DryRun) return configurationView({ ...record.latest, CodeSha256: code.CodeSha256, CodeSize: code.CodeSize }) as Ops["UpdateFunctionCode"]["output"];
    const { hotReloadDir: _old, ...rest } = record.latest;
    const latest: FunctionConfigRecord = {
      ...rest,
      CodeSha256: code.CodeSha256,
      CodeSize: code.CodeSize,
      codeDigest: code.codeDigest,
      ...(code.hotReloadDir ? { hotReloadDir: code.hotReloadDir } : {}),
      ...(input.Architectures ? { Architectures: input.Architectures } : {}),
    };
    return saveUpdate(ctx, record, latest, input.Publish === true) as Ops["UpdateFunctionCode"]["output"];
  },

  UpdateFunctionConfiguration(input, ctx) {
    const name = unqualifiedName(input.FunctionName ?? "", ctx);
    const record = requireFunction(ctx, name);
    checkRevision(input.RevisionId, record.latest.RevisionId);
    checkNotUpdating(record.latest);
    if (record.latest.image && (input.Runtime !== undefined || input.Handler !== undefined || input.Layers?.length)) throw invalidParameter(IMAGE_ONLY);
    if (!record.latest.image && input.ImageConfig !== undefined) throw invalidParameter(ZIP_NO_IMAGE_CONFIG);
    if (input.Runtime !== undefined) checkRuntime(input.Runtime);
    if (input.Handler !== undefined) checkHandler(input.Handler, input.Runtime);
    if (input.Role !== undefined) checkRole(input.Role, ctx);
    if (input.MemorySize !== undefined) checkMemory(input.MemorySize);
    if (input.Timeout !== undefined) checkTimeout(input.Timeout);
    if (input.Description !== undefined) checkDescription(input.Description);
    if (input.Environment?.Variables) checkEnvironment(input.Environment.Variables);
    const layers = input.Layers !== undefined ? checkLayers(ctx, input.Layers) : undefined;
    const { Environment: oldEnvironment, Layers: oldLayers, ...rest } = record.latest;
    const environment = input.Environment ? input.Environment.Variables : oldEnvironment;
    const nextLayers = layers ?? oldLayers;
    // ImageConfig replaces the previous one as a whole (an empty object clears it).
    const image = rest.image && input.ImageConfig !== undefined ? { ImageUri: rest.image.ImageUri, ResolvedImageUri: rest.image.ResolvedImageUri, reference: rest.image.reference, fromRegistry: rest.image.fromRegistry, ...imageConfigOf(input.ImageConfig) } : rest.image;
    const latest: FunctionConfigRecord = {
      ...rest,
      ...(image ? { image } : {}),
      ...(input.Runtime !== undefined ? { Runtime: input.Runtime } : {}),
      ...(input.Handler !== undefined ? { Handler: input.Handler } : {}),
      ...(input.Role !== undefined ? { Role: input.Role } : {}),
      ...(input.MemorySize !== undefined ? { MemorySize: input.MemorySize } : {}),
      ...(input.Timeout !== undefined ? { Timeout: input.Timeout } : {}),
      ...(input.Description !== undefined ? { Description: input.Description } : {}),
      ...(input.EphemeralStorage?.Size !== undefined ? { EphemeralStorageSize: input.EphemeralStorage.Size } : {}),
      ...(environment && Object.keys(environment).length ? { Environment: environment } : {}),
      ...(nextLayers?.length ? { Layers: nextLayers } : {}),
    };
    return saveUpdate(ctx, record, latest, false) as Ops["UpdateFunctionConfiguration"]["output"];
  },

  DeleteFunction(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const qualifier = resolveQualifier(ref, input.Qualifier);
    requireFunction(ctx, ref.name);
    if (qualifier === "$LATEST") throw invalidParameter("$LATEST version cannot be deleted without deleting the function.");
    if (qualifier !== undefined) {
      if (!/^\d+$/.test(qualifier)) throw invalidParameter("Deletion of aliases is not supported by DeleteFunction: use DeleteAlias.");
      if (!versions(ctx.state).has(ctx, qualifiedKey(ref.name, qualifier))) throw functionNotFound(functionArn(ctx, ref.name, qualifier));
      const users = aliasesOf(ctx.state, ctx, ref.name).filter((a) => a.FunctionVersion === qualifier || a.AdditionalVersionWeights?.[qualifier] !== undefined);
      if (users.length > 0) throw conflict(`Unable to delete version because the following aliases reference it: [${users.map((a) => a.Name).join(", ")}]`);
      versions(ctx.state).delete(ctx, qualifiedKey(ref.name, qualifier));
      policies(ctx.state).delete(ctx, qualifiedKey(ref.name, qualifier));
      retireEnvironments(ctx, ref.name);
      return {};
    }
    ctx.state.transaction(() => {
      for (const v of versionsOf(ctx.state, ctx, ref.name)) {
        versions(ctx.state).delete(ctx, qualifiedKey(ref.name, v.Version));
        policies(ctx.state).delete(ctx, qualifiedKey(ref.name, v.Version));
      }
      for (const a of aliasesOf(ctx.state, ctx, ref.name)) {
        aliases(ctx.state).delete(ctx, qualifiedKey(ref.name, a.Name));
        policies(ctx.state).delete(ctx, qualifiedKey(ref.name, a.Name));
      }
      policies(ctx.state).delete(ctx, qualifiedKey(ref.name, ""));
      deleteUrlConfigs(ctx, ref.name);
      deleteEventConfigs(ctx, ref.name);
      functions(ctx.state).delete(ctx, ref.name);
    });
    retireEnvironments(ctx, ref.name);
    return {};
  },
};

/** Stores a new $LATEST: fresh RevisionId and LastModified, LastUpdateStatus InProgress for a moment; warm environments retire. */
function saveUpdate(ctx: RequestContext, record: FunctionRecord, latest: FunctionConfigRecord, publish: boolean) {
  const now = Date.now();
  const updated: FunctionConfigRecord = { ...latest, LastModified: lambdaTimestamp(now), RevisionId: crypto.randomUUID(), updateDoneAt: now + TRANSITION_MS, updating: "update" };
  const next: FunctionRecord = { ...record, latest: updated };
  const published = publish ? publishFrom(ctx, next, undefined) : undefined;
  ctx.state.transaction(() => {
    functions(ctx.state).put(ctx, updated.FunctionName, next);
    if (published) versions(ctx.state).put(ctx, qualifiedKey(updated.FunctionName, published.Version), published);
  });
  retireEnvironments(ctx, updated.FunctionName);
  return configurationView(published ?? updated, now, layerSizes(ctx));
}

/** A new version from $LATEST (mutates the record's counters; the caller stores both). */
export function publishFrom(ctx: RequestContext, record: FunctionRecord, description: string | undefined): FunctionConfigRecord {
  const version = String(record.nextVersion);
  record.nextVersion += 1;
  record.publishedRevision = record.latest.RevisionId;
  record.publishedVersion = version;
  const now = Date.now();
  return {
    ...record.latest,
    FunctionArn: functionArn(ctx, record.latest.FunctionName, version),
    Version: version,
    Description: description ?? record.latest.Description,
    LastModified: lambdaTimestamp(now),
    RevisionId: crypto.randomUUID(),
  };
}
