/** Launch templates and their versions: create, describe (filters, $Latest/$Default, ranges), modify, delete. */
import type { DeleteLaunchTemplateVersionsResponseErrorItem, DeleteLaunchTemplateVersionsResponseSuccessItem, LaunchTemplateVersion } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { nowIso } from "./records.ts";
import {
  checkTemplateId,
  checkTemplateName,
  findTemplate,
  findVersion,
  mergeData,
  saveTemplate,
  templateByName,
  templateData,
  templateIdNotFound,
  templateTable,
  templateView,
  versionNotFound,
  versionNumberOf,
  versionView,
  type LaunchTemplateRecord,
} from "./template-store.ts";

const MAX_VERSIONS = 10_000;

function checkDescription(description: string | undefined): void {
  if (description !== undefined && description.length > 255) {
    throw invalidParameterValue("The version description must be at most 255 characters long.");
  }
}

/** DescribeLaunchTemplateVersions filters, read from each version's data. */
const versionFilters: Readonly<Record<string, (v: LaunchTemplateVersion) => string | number | boolean | undefined | ReadonlyArray<string | undefined>>> = {
  "create-time": (v) => (v.CreateTime ? String(v.CreateTime) : undefined),
  "ebs-optimized": (v) => v.LaunchTemplateData?.EbsOptimized,
  "http-endpoint": (v) => v.LaunchTemplateData?.MetadataOptions?.HttpEndpoint,
  // The IPv4 metadata endpoint is on exactly when the metadata endpoint is.
  "http-protocol-ipv4": (v) => v.LaunchTemplateData?.MetadataOptions?.HttpEndpoint,
  "host-resource-group-arn": (v) => v.LaunchTemplateData?.Placement?.HostResourceGroupArn,
  "http-protocol-ipv6": (v) => v.LaunchTemplateData?.MetadataOptions?.HttpProtocolIpv6,
  "http-put-response-hop-limit": (v) => v.LaunchTemplateData?.MetadataOptions?.HttpPutResponseHopLimit,
  "http-tokens": (v) => v.LaunchTemplateData?.MetadataOptions?.HttpTokens,
  "iam-instance-profile": (v) => [v.LaunchTemplateData?.IamInstanceProfile?.Arn, v.LaunchTemplateData?.IamInstanceProfile?.Name],
  "image-id": (v) => v.LaunchTemplateData?.ImageId,
  "instance-type": (v) => v.LaunchTemplateData?.InstanceType,
  "is-default-version": (v) => v.DefaultVersion,
  "kernel-id": (v) => v.LaunchTemplateData?.KernelId,
  "license-configuration-arn": (v) => (v.LaunchTemplateData?.LicenseSpecifications ?? []).map((l) => l.LicenseConfigurationArn),
  "network-card-index": (v) => (v.LaunchTemplateData?.NetworkInterfaces ?? []).map((n) => (n.NetworkCardIndex === undefined ? undefined : String(n.NetworkCardIndex))),
  "ram-disk-id": (v) => v.LaunchTemplateData?.RamDiskId,
};

export const launchTemplateHandlers: HandlerTable<Ec2Operations> = {
  CreateLaunchTemplate: (input, ctx) => {
    const name = input.LaunchTemplateName ?? "";
    checkTemplateName(name);
    checkDescription(input.VersionDescription);
    checkTagSpecificationTypes(input.TagSpecifications, ["launch-template"]);
    const tags = tagsFor(input.TagSpecifications, "launch-template");
    const { data, warning } = templateData(input.LaunchTemplateData);
    const existing = templateByName(ctx, name);
    if (existing) {
      // A retried call with the same ClientToken answers the template it created.
      if (input.ClientToken && existing.ClientToken === input.ClientToken) return { LaunchTemplate: templateView(existing) };
      throw ec2Error("InvalidLaunchTemplateName.AlreadyExistsException", `Launch template name already in use.`);
    }
    checkDryRun(input);
    const now = nowIso();
    const record: LaunchTemplateRecord = {
      LaunchTemplateId: newEc2Id("lt"),
      LaunchTemplateName: name,
      CreateTime: now,
      CreatedBy: `arn:aws:iam::${ctx.account}:root`,
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
      Tags: tags,
      Versions: [{ VersionNumber: 1, CreateTime: now, LaunchTemplateData: data, ...(input.VersionDescription !== undefined ? { VersionDescription: input.VersionDescription } : {}) }],
      ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
    };
    saveTemplate(ctx, record);
    return { LaunchTemplate: templateView(record), ...(warning ? { Warning: warning } : {}) };
  },

  CreateLaunchTemplateVersion: (input, ctx) => {
    const record = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
    checkDescription(input.VersionDescription);
    const { data, warning } = templateData(input.LaunchTemplateData);
    const retried = input.ClientToken ? record.Versions.find((v) => v.ClientToken === input.ClientToken) : undefined;
    if (retried) return { LaunchTemplateVersion: versionView(record, retried) };
    const base = input.SourceVersion !== undefined ? findVersion(record, input.SourceVersion).LaunchTemplateData : {};
    if (record.LatestVersionNumber >= MAX_VERSIONS) {
      throw ec2Error("VersionLimitExceeded", `The maximum number of versions (${MAX_VERSIONS}) for launch template ${record.LaunchTemplateId} has been reached.`);
    }
    checkDryRun(input);
    const number = Math.max(record.LatestVersionNumber, record.IssuedVersions ?? 0) + 1;
    const version = {
      VersionNumber: number,
      CreateTime: nowIso(),
      LaunchTemplateData: mergeData(base, data),
      ...(input.VersionDescription !== undefined ? { VersionDescription: input.VersionDescription } : {}),
      ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
    };
    const updated: LaunchTemplateRecord = { ...record, LatestVersionNumber: number, IssuedVersions: number, Versions: [...record.Versions, version] };
    saveTemplate(ctx, updated);
    return { LaunchTemplateVersion: versionView(updated, version), ...(warning ? { Warning: warning } : {}) };
  },

  DescribeLaunchTemplates: (input, ctx) => {
    const all = templateTable(ctx).list(scopeOf(ctx));
    let selected = all;
    if (input.LaunchTemplateIds?.length) {
      for (const id of input.LaunchTemplateIds) {
        checkTemplateId(id);
        if (!all.some((record) => record.LaunchTemplateId === id)) throw templateIdNotFound(id);
      }
      selected = selected.filter((record) => input.LaunchTemplateIds?.includes(record.LaunchTemplateId));
    }
    if (input.LaunchTemplateNames?.length) {
      if (input.LaunchTemplateNames.some((name) => !all.some((record) => record.LaunchTemplateName === name))) {
        throw ec2Error("InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist.");
      }
      selected = selected.filter((record) => input.LaunchTemplateNames?.includes(record.LaunchTemplateName));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      { "create-time": (record) => record.CreateTime, "launch-template-name": (record) => record.LaunchTemplateName },
      (record) => record.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 1, max: 200 });
    return { LaunchTemplates: page.items.map(templateView), NextToken: page.nextToken };
  },

  DescribeLaunchTemplateVersions: (input, ctx) => {
    const named = input.LaunchTemplateId !== undefined || input.LaunchTemplateName !== undefined;
    const templates = named ? [findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName)] : templateTable(ctx).list(scopeOf(ctx));
    const min = input.MinVersion !== undefined ? versionBound(input.MinVersion) : undefined;
    const max = input.MaxVersion !== undefined ? versionBound(input.MaxVersion) : undefined;
    const versions: LaunchTemplateVersion[] = [];
    for (const record of templates) {
      let chosen = record.Versions;
      if (input.Versions?.length) {
        const numbers = new Set<number>();
        for (const text of input.Versions) {
          // Without a template only $Latest and $Default can be asked for (across all templates).
          if (!named && text !== "$Latest" && text !== "$Default") {
            throw invalidParameterValue("When you do not specify a launch template ID or name, you can only specify $Latest or $Default for the version.");
          }
          const number = versionNumberOf(record, text);
          if (number === undefined || !record.Versions.some((v) => v.VersionNumber === number)) throw versionNotFound(record, text);
          numbers.add(number);
        }
        chosen = chosen.filter((v) => numbers.has(v.VersionNumber));
      }
      if (min !== undefined) chosen = chosen.filter((v) => v.VersionNumber >= min);
      if (max !== undefined) chosen = chosen.filter((v) => v.VersionNumber <= max);
      // EC2 lists a template's versions newest first.
      for (const version of [...chosen].sort((a, b) => b.VersionNumber - a.VersionNumber)) versions.push(versionView(record, version));
    }
    checkDryRun(input);
    const filtered = applyFilters(versions, input.Filters, versionFilters);
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 1, max: 200 });
    return { LaunchTemplateVersions: page.items, NextToken: page.nextToken };
  },

  ModifyLaunchTemplate: (input, ctx) => {
    const record = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
    let updated = record;
    if (input.DefaultVersion !== undefined) {
      const number = versionNumberOf(record, input.DefaultVersion);
      if (number === undefined || !record.Versions.some((v) => v.VersionNumber === number)) throw versionNotFound(record, input.DefaultVersion);
      updated = { ...record, DefaultVersionNumber: number };
    }
    checkDryRun(input);
    saveTemplate(ctx, updated);
    return { LaunchTemplate: templateView(updated) };
  },

  DeleteLaunchTemplate: (input, ctx) => {
    const record = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
    checkDryRun(input);
    templateTable(ctx).delete(scopeOf(ctx), record.LaunchTemplateId);
    return { LaunchTemplate: templateView(record) };
  },

  DeleteLaunchTemplateVersions: (input, ctx) => {
    const record = findTemplate(ctx, input.LaunchTemplateId, input.LaunchTemplateName);
    checkDryRun(input);
    const succeeded: DeleteLaunchTemplateVersionsResponseSuccessItem[] = [];
    const failed: DeleteLaunchTemplateVersionsResponseErrorItem[] = [];
    const gone = new Set<number>();
    const ids = { LaunchTemplateId: record.LaunchTemplateId, LaunchTemplateName: record.LaunchTemplateName };
    for (const text of input.Versions ?? []) {
      // Only version numbers are accepted here ($Latest / $Default are not).
      const number = /^\d+$/.test(text) ? Number(text) : undefined;
      const fail = (code: DeleteLaunchTemplateVersionsResponseErrorItem["ResponseError"], version?: number) =>
        failed.push({ ...ids, ...(version !== undefined ? { VersionNumber: version } : {}), ResponseError: code });
      if (number === undefined || !record.Versions.some((v) => v.VersionNumber === number) || gone.has(number)) {
        fail({ Code: "launchTemplateVersionDoesNotExist", Message: `The specified launch template version does not exist.` }, number);
      } else if (number === record.DefaultVersionNumber) {
        fail({ Code: "unexpectedError", Message: "Cannot delete the default version of a launch template. Specify a different default version, or delete the launch template." }, number);
      } else {
        gone.add(number);
        succeeded.push({ ...ids, VersionNumber: number });
      }
    }
    if (gone.size > 0) {
      const versions = record.Versions.filter((v) => !gone.has(v.VersionNumber));
      // $Latest becomes the highest remaining version; a deleted number is not issued again.
      const latest = Math.max(...versions.map((v) => v.VersionNumber));
      const issued = Math.max(record.IssuedVersions ?? record.LatestVersionNumber, record.LatestVersionNumber);
      saveTemplate(ctx, { ...record, Versions: versions, LatestVersionNumber: latest, IssuedVersions: issued });
    }
    return { SuccessfullyDeletedLaunchTemplateVersions: succeeded, UnsuccessfullyDeletedLaunchTemplateVersions: failed };
  },
};

function versionBound(text: string): number {
  if (!/^\d+$/.test(text)) throw invalidParameterValue(`The version number '${text}' is not valid.`);
  return Number(text);
}
