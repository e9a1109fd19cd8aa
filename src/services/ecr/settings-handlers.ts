/** Registry-level ECR settings: the registry policy and scanning configuration, and each repository's scanning configuration. */
import type { EcrOperations } from "../../generated/ecr.ts";
import type { RegistryScanningRule, RepositoryScanningConfiguration, RepositoryScanningConfigurationFailure, ScanType } from "@aws-sdk/client-ecr";
import { AwsError } from "../../shared/aws-error.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkRepositoryName, invalidParameter } from "./errors.ts";
import { scopeOf } from "./repositories.ts";
import { repositoryTable } from "./state.ts";

interface RegistrySettings {
  policy?: string;
  scanType: string;
  rules: RegistryScanningRule[];
}

const settingsTable = (ctx: RequestContext) => ctx.state.table<RegistrySettings>("ecr", "registry-settings");
const settingsOf = (ctx: RequestContext): RegistrySettings => settingsTable(ctx).get(scopeOf(ctx), "registry") ?? { scanType: "BASIC", rules: [] };
const saveSettings = (ctx: RequestContext, settings: RegistrySettings): RegistrySettings => settingsTable(ctx).put(scopeOf(ctx), "registry", settings);

function checkPolicy(text: string | undefined): string {
  try {
    const json: unknown = JSON.parse(text ?? "");
    if (typeof json === "object" && json !== null && "Statement" in json) return text ?? "";
  } catch {
    // reported below
  }
  throw invalidParameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid registry policy provided'");
}

export const settingsHandlers: HandlerTable<EcrOperations> = {
  PutRegistryPolicy(input, ctx) {
    const policyText = checkPolicy(input.policyText);
    saveSettings(ctx, { ...settingsOf(ctx), policy: policyText });
    return { registryId: ctx.account, policyText };
  },

  GetRegistryPolicy(_input, ctx) {
    const { policy } = settingsOf(ctx);
    if (policy === undefined) throw new AwsError("RegistryPolicyNotFoundException", `Registry policy does not exist in the registry with id '${ctx.account}'`);
    return { registryId: ctx.account, policyText: policy };
  },

  DeleteRegistryPolicy(_input, ctx) {
    const { policy, ...rest } = settingsOf(ctx);
    if (policy === undefined) throw new AwsError("RegistryPolicyNotFoundException", `Registry policy does not exist in the registry with id '${ctx.account}'`);
    saveSettings(ctx, rest);
    return { registryId: ctx.account, policyText: policy };
  },

  PutRegistryScanningConfiguration(input, ctx) {
    const scanType = input.scanType ?? "BASIC";
    if (scanType !== "BASIC" && scanType !== "ENHANCED") throw invalidParameter("Invalid parameter at 'scanType' failed to satisfy constraint: 'Member must satisfy enum value set: [BASIC, ENHANCED]'");
    for (const rule of input.rules ?? []) {
      if (!rule.scanFrequency || !rule.repositoryFilters?.length) throw invalidParameter("Invalid parameter: each scanning rule needs a scanFrequency and repositoryFilters");
    }
    const settings = saveSettings(ctx, { ...settingsOf(ctx), scanType, rules: input.rules ?? [] });
    return { registryScanningConfiguration: { scanType: settings.scanType as ScanType, rules: settings.rules } };
  },

  GetRegistryScanningConfiguration(_input, ctx) {
    const settings = settingsOf(ctx);
    return { registryId: ctx.account, scanningConfiguration: { scanType: settings.scanType as ScanType, rules: settings.rules } };
  },

  BatchGetRepositoryScanningConfiguration(input, ctx) {
    const scanningConfigurations: RepositoryScanningConfiguration[] = [];
    const failures: RepositoryScanningConfigurationFailure[] = [];
    for (const name of input.repositoryNames ?? []) {
      const repository = repositoryTable(ctx.state).get(scopeOf(ctx), checkRepositoryName(name));
      if (!repository) {
        failures.push({ repositoryName: name, failureCode: "REPOSITORY_NOT_FOUND", failureReason: "REPOSITORY_NOT_FOUND" });
        continue;
      }
      scanningConfigurations.push({
        repositoryArn: repository.arn,
        repositoryName: repository.name,
        scanOnPush: repository.scanOnPush,
        scanFrequency: repository.scanOnPush ? "SCAN_ON_PUSH" : "MANUAL",
        appliedScanFilters: [],
      });
    }
    return { scanningConfigurations, failures };
  },
};
