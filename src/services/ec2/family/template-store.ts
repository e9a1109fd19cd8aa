/** Launch template records, lookups by id or name with EC2's errors, version resolution ($Latest, $Default) and data checks. */
import type { LaunchTemplate, LaunchTemplateVersion, RequestLaunchTemplateData, ResponseLaunchTemplateData, ValidationWarning } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { ec2Error, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { isWellFormedId } from "../shared/ids.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { registerTaggable, type Tag } from "../shared/tags.ts";
import { isoAsDate } from "./records.ts";

export const LAUNCH_TEMPLATES = "launch-templates";

export interface StoredVersion {
  VersionNumber: number;
  VersionDescription?: string;
  CreateTime: string;
  LaunchTemplateData: ResponseLaunchTemplateData;
  /** ClientToken of the CreateLaunchTemplateVersion call that made it, for idempotent retries. */
  ClientToken?: string;
}

/** One launch template with all its versions (EC2 allows up to 10,000 per template). */
export interface LaunchTemplateRecord {
  LaunchTemplateId: string;
  LaunchTemplateName: string;
  CreateTime: string;
  CreatedBy: string;
  DefaultVersionNumber: number;
  LatestVersionNumber: number;
  /** The highest version number ever issued (deleted numbers are not reused). */
  IssuedVersions?: number;
  Tags: Tag[];
  Versions: StoredVersion[];
  /** ClientToken of the creating call, for idempotent retries. */
  ClientToken?: string;
}

registerTaggable({
  prefix: "lt",
  kind: LAUNCH_TEMPLATES,
  resourceType: "launch-template",
  idField: "LaunchTemplateId",
  notFoundCode: "InvalidLaunchTemplateId.NotFound",
  noun: "launch template",
});

export const templateTable = (ctx: RequestContext) => ec2Table<LaunchTemplateRecord>(ctx, LAUNCH_TEMPLATES);

export const saveTemplate = (ctx: RequestContext, record: LaunchTemplateRecord): void => {
  templateTable(ctx).put(scopeOf(ctx), record.LaunchTemplateId, record);
};

export const templateByName = (ctx: RequestContext, name: string): LaunchTemplateRecord | undefined =>
  templateTable(ctx)
    .list(scopeOf(ctx))
    .find((record) => record.LaunchTemplateName === name);

const NAME = /^[a-zA-Z0-9().\-/_]{3,128}$/;

export function checkTemplateName(name: string): void {
  if (!NAME.test(name)) {
    throw ec2Error(
      "InvalidLaunchTemplateName.MalformedException",
      "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'",
    );
  }
}

export const templateIdNotFound = (id: string) =>
  ec2Error("InvalidLaunchTemplateId.NotFound", `The specified launch template, with template ID ${id}, does not exist.`);

export const templateNameNotFound = (name: string) =>
  ec2Error("InvalidLaunchTemplateName.NotFoundException", `The specified launch template, with template name ${name}, does not exist.`);

export function checkTemplateId(id: string): void {
  if (!isWellFormedId(id, "lt")) {
    throw ec2Error("InvalidLaunchTemplateId.Malformed", `The specified ID for the launch template (${id}) is malformed. Ensure that you specify the launch template ID in the form lt-xxxxxxxxxxxxxxxxx.`);
  }
}

/** A template named by id or name (exactly one of them), or EC2's error for each. */
export function findTemplate(ctx: RequestContext, id: string | undefined, name: string | undefined): LaunchTemplateRecord {
  if (id && name) throw ec2Error("InvalidParameterCombination", "Either a launch template ID or a launch template name must be specified, but not both.");
  if (id) {
    checkTemplateId(id);
    const record = templateTable(ctx).get(scopeOf(ctx), id);
    if (!record) throw templateIdNotFound(id);
    return record;
  }
  if (name) {
    const record = templateByName(ctx, name);
    if (!record) throw templateNameNotFound(name);
    return record;
  }
  throw missingParameter("LaunchTemplateId or LaunchTemplateName");
}

export const versionNotFound = (record: LaunchTemplateRecord, version: string) =>
  ec2Error("InvalidLaunchTemplateId.VersionNotFound", `Could not find the specified version ${version} for the launch template with ID ${record.LaunchTemplateId}.`);

/** "$Latest", "$Default" or a version number → that version's number (undefined when the text is neither). */
export function versionNumberOf(record: LaunchTemplateRecord, version: string | undefined): number | undefined {
  if (version === undefined || version === "$Default") return record.DefaultVersionNumber;
  if (version === "$Latest") return record.LatestVersionNumber;
  return /^\d+$/.test(version) ? Number(version) : undefined;
}

export function findVersion(record: LaunchTemplateRecord, version: string | undefined): StoredVersion {
  const number = versionNumberOf(record, version);
  const found = record.Versions.find((v) => v.VersionNumber === number);
  if (!found) throw versionNotFound(record, version ?? "$Default");
  return found;
}

export function templateView(record: LaunchTemplateRecord): LaunchTemplate {
  return {
    LaunchTemplateId: record.LaunchTemplateId,
    LaunchTemplateName: record.LaunchTemplateName,
    CreateTime: isoAsDate(record.CreateTime),
    CreatedBy: record.CreatedBy,
    DefaultVersionNumber: record.DefaultVersionNumber,
    LatestVersionNumber: record.LatestVersionNumber,
    Tags: record.Tags,
  };
}

export function versionView(record: LaunchTemplateRecord, version: StoredVersion): LaunchTemplateVersion {
  return {
    LaunchTemplateId: record.LaunchTemplateId,
    LaunchTemplateName: record.LaunchTemplateName,
    VersionNumber: version.VersionNumber,
    ...(version.VersionDescription !== undefined ? { VersionDescription: version.VersionDescription } : {}),
    CreateTime: isoAsDate(version.CreateTime),
    CreatedBy: record.CreatedBy,
    DefaultVersion: version.VersionNumber === record.DefaultVersionNumber,
    LaunchTemplateData: version.LaunchTemplateData,
  };
}

/**
 * The request shape of template data becomes the response shape (the members are the same, only
 * the SDK's type names differ); a few values are checked the way EC2 checks them at creation.
 * Problems EC2 only warns about (it still creates the version) come back as warnings.
 */
export function templateData(data: RequestLaunchTemplateData | undefined): { data: ResponseLaunchTemplateData; warning?: ValidationWarning } {
  const source: RequestLaunchTemplateData = data ?? {};
  const imageId = source.ImageId;
  if (imageId !== undefined && !imageId.startsWith("resolve:ssm:") && !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(imageId)) {
    throw ec2Error("InvalidAMIID.Malformed", `Invalid id: "${imageId}" (expecting "ami-...")`);
  }
  if (source.UserData !== undefined && !/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(source.UserData)) {
    throw invalidParameterValue("Invalid BASE64 encoding of user data.");
  }
  const groupNames = source.SecurityGroups ?? [];
  const groupIds = source.SecurityGroupIds ?? [];
  for (const id of groupIds) {
    if (!isWellFormedId(id, "sg")) throw ec2Error("InvalidGroupId.Malformed", `Invalid id: "${id}" (expecting "sg-...")`);
  }
  const interfaces = source.NetworkInterfaces ?? [];
  if (interfaces.length > 0 && (groupNames.length > 0 || groupIds.length > 0) && interfaces.some((ni) => ni.DeviceIndex === 0 || ni.DeviceIndex === undefined)) {
    // EC2 lets a template carry both but refuses to launch from it; it warns at creation.
    return {
      data: toResponse(source),
      warning: { Errors: [{ Code: "InvalidParameterCombination", Message: "Network interfaces and an instance-level security groups may not be specified on the same request" }] },
    };
  }
  return { data: toResponse(source) };
}

/** A JSON copy: stored data is independent of the request object, and timestamps become ISO strings. */
function toResponse(source: RequestLaunchTemplateData): ResponseLaunchTemplateData {
  return JSON.parse(JSON.stringify(source)) as ResponseLaunchTemplateData;
}

/** CreateLaunchTemplateVersion with SourceVersion: the source's top-level members, overridden by the new data's. */
export function mergeData(base: ResponseLaunchTemplateData, override: ResponseLaunchTemplateData): ResponseLaunchTemplateData {
  return { ...base, ...override };
}
