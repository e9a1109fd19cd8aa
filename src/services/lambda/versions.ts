/** Published versions and aliases (with weighted routing between two versions). */
import type { AliasConfiguration } from "@aws-sdk/client-lambda";
import type { LambdaOperations } from "../../generated/lambda.ts";
import { crypto } from "../../shared/builtins.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { conflict, invalidParameter, notFound, preconditionFailed, validation } from "./errors.ts";
import { publishFrom } from "./functions.ts";
import { aliases, aliasesOf, functionArn, functions, qualifiedKey, versions, versionsOf, type AliasRecord } from "./state.ts";
import { deleteUrlConfigs } from "./urls.ts";
import { checkAliasName, parseFunctionRef } from "./validate.ts";
import { checkNotUpdating, configurationView, requireFunction, versionConfig } from "./view.ts";

type Ops = LambdaOperations;

function aliasView(alias: AliasRecord): AliasConfiguration {
  return {
    AliasArn: alias.AliasArn,
    Name: alias.Name,
    FunctionVersion: alias.FunctionVersion,
    Description: alias.Description,
    ...(alias.AdditionalVersionWeights ? { RoutingConfig: { AdditionalVersionWeights: alias.AdditionalVersionWeights } } : {}),
    RevisionId: alias.RevisionId,
  };
}

function unqualified(value: string, ctx: RequestContext): string {
  const ref = parseFunctionRef(value, ctx);
  if (ref.qualifier) throw invalidParameter("Function name cannot have a qualifier for this operation.");
  return ref.name;
}

/** A routing config: at most one additional version, weights in [0, 1], versions published and not the primary. */
function checkRouting(ctx: RequestContext, name: string, primary: string, weights: Record<string, number> | undefined): Record<string, number> | undefined {
  if (!weights || Object.keys(weights).length === 0) return undefined;
  const entries = Object.entries(weights);
  if (entries.length > 1) throw invalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
  for (const [version, weight] of entries) {
    if (!(weight >= 0 && weight <= 1)) throw validation(weight, "routingConfig.additionalVersionWeights", "Member must have value between 0.0 and 1.0");
    if (version === primary) throw invalidParameter(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
    if (!/^\d+$/.test(version)) throw invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
    if (primary === "$LATEST") throw invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
    requireVersion(ctx, name, version);
  }
  return weights;
}

function requireVersion(ctx: RequestContext, name: string, version: string): void {
  const record = requireFunction(ctx, name);
  versionConfig(ctx, record, version);
}

function requireAlias(ctx: RequestContext, name: string, alias: string): AliasRecord {
  const found = aliases(ctx.state).get(ctx, qualifiedKey(name, alias));
  if (!found) throw notFound(`Cannot find alias arn: ${functionArn(ctx, name, alias)}`);
  return found;
}

export const versionHandlers: HandlerTable<Ops> = {
  PublishVersion(input, ctx) {
    const name = unqualified(input.FunctionName ?? "", ctx);
    const record = requireFunction(ctx, name);
    checkNotUpdating(record.latest);
    if (input.RevisionId !== undefined && input.RevisionId !== record.latest.RevisionId) throw preconditionFailed();
    if (input.CodeSha256 !== undefined && input.CodeSha256 !== record.latest.CodeSha256) {
      throw invalidParameter(`CodeSHA256 (${input.CodeSha256}) is different from current CodeSHA256 in $LATEST (${record.latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`);
    }
    // Nothing changed since the last publish: AWS returns that version again.
    if (record.publishedRevision === record.latest.RevisionId && record.publishedVersion) {
      const existing = versions(ctx.state).get(ctx, qualifiedKey(name, record.publishedVersion));
      if (existing) return configurationView(existing) as Ops["PublishVersion"]["output"];
    }
    const next = { ...record };
    const published = publishFrom(ctx, next, input.Description);
    ctx.state.transaction(() => {
      functions(ctx.state).put(ctx, name, next);
      versions(ctx.state).put(ctx, qualifiedKey(name, published.Version), published);
    });
    return configurationView(published) as Ops["PublishVersion"]["output"];
  },

  ListVersionsByFunction(input, ctx) {
    const name = unqualified(input.FunctionName ?? "", ctx);
    const record = requireFunction(ctx, name);
    const all = [record.latest, ...versionsOf(ctx.state, ctx, name)];
    const max = input.MaxItems ?? 50;
    const start = input.Marker ? Number(input.Marker) : 0;
    const page = all.slice(start, start + max);
    return { Versions: page.map((c) => configurationView(c)), ...(start + max < all.length ? { NextMarker: String(start + max) } : {}) };
  },

  CreateAlias(input, ctx) {
    const name = unqualified(input.FunctionName ?? "", ctx);
    const aliasName = input.Name ?? "";
    checkAliasName(aliasName);
    requireVersion(ctx, name, input.FunctionVersion ?? "");
    const weights = checkRouting(ctx, name, input.FunctionVersion ?? "", input.RoutingConfig?.AdditionalVersionWeights);
    if (aliases(ctx.state).has(ctx, qualifiedKey(name, aliasName))) throw conflict(`Alias already exists: ${functionArn(ctx, name, aliasName)}`);
    const alias: AliasRecord = {
      AliasArn: functionArn(ctx, name, aliasName),
      Name: aliasName,
      FunctionVersion: input.FunctionVersion ?? "",
      Description: input.Description ?? "",
      ...(weights ? { AdditionalVersionWeights: weights } : {}),
      RevisionId: crypto.randomUUID(),
    };
    aliases(ctx.state).put(ctx, qualifiedKey(name, aliasName), alias);
    return aliasView(alias);
  },

  GetAlias(input, ctx) {
    const name = unqualified(input.FunctionName ?? "", ctx);
    requireFunction(ctx, name);
    return aliasView(requireAlias(ctx, name, input.Name ?? ""));
  },

  UpdateAlias(input, ctx) {
    const name = unqualified(input.FunctionName ?? "", ctx);
    requireFunction(ctx, name);
    const alias = requireAlias(ctx, name, input.Name ?? "");
    if (input.RevisionId !== undefined && input.RevisionId !== alias.RevisionId) throw preconditionFailed();
    const primary = input.FunctionVersion ?? alias.FunctionVersion;
    if (input.FunctionVersion !== undefined) requireVersion(ctx, name, primary);
    const weights = input.RoutingConfig !== undefined ? checkRouting(ctx, name, primary, input.RoutingConfig.AdditionalVersionWeights) : alias.AdditionalVersionWeights;
    const { AdditionalVersionWeights: _old, ...rest } = alias;
    const updated: AliasRecord = {
      ...rest,
      FunctionVersion: primary,
      Description: input.Description ?? alias.Description,
      ...(weights ? { AdditionalVersionWeights: weights } : {}),
      RevisionId: crypto.randomUUID(),
    };
    aliases(ctx.state).put(ctx, qualifiedKey(name, updated.Name), updated);
    return aliasView(updated);
  },

  DeleteAlias(input, ctx) {
    const name = unqualified(input.FunctionName ?? "", ctx);
    requireFunction(ctx, name);
    aliases(ctx.state).delete(ctx, qualifiedKey(name, input.Name ?? ""));
    deleteUrlConfigs(ctx, name, input.Name ?? "");
    return {};
  },

  ListAliases(input, ctx) {
    const name = unqualified(input.FunctionName ?? "", ctx);
    requireFunction(ctx, name);
    const all = aliasesOf(ctx.state, ctx, name)
      .filter((a) => input.FunctionVersion === undefined || a.FunctionVersion === input.FunctionVersion)
      .sort((a, b) => a.Name.localeCompare(b.Name));
    const max = input.MaxItems ?? 50;
    const start = input.Marker ? Number(input.Marker) : 0;
    return { Aliases: all.slice(start, start + max).map(aliasView), ...(start + max < all.length ? { NextMarker: String(start + max) } : {}) };
  },
};
