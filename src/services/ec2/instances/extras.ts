/** Instance settings infrastructure code reads and changes after launch: CPU credit options and IAM instance profile associations. */
import type {
  DescribeIamInstanceProfileAssociationsRequest,
  DescribeIamInstanceProfileAssociationsResult,
  DescribeInstanceCreditSpecificationsRequest,
  DescribeInstanceCreditSpecificationsResult,
  IamInstanceProfileAssociation,
  IamInstanceProfileSpecification,
  InstanceCreditSpecification,
  ModifyInstanceCreditSpecificationRequest,
  ModifyInstanceCreditSpecificationResult,
  ModifyInstancePlacementRequest,
  ModifyInstancePlacementResult,
  UnsuccessfulInstanceCreditSpecificationItem,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../../shared/aws-error.ts";
import { findInstanceProfile } from "../../iam/api.ts";
import type { RequestContext } from "../../service-types.ts";
import { instanceTypeInfo } from "../catalog/api.ts";
import { findPlacementGroup, placeOnHost, releaseFromHost } from "../family/api.ts";
import { checkDryRun, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { asDate, liveRecords, requireInstances, saveRecord, type InstanceRecord } from "./state.ts";

/** T2 instances start with "standard" credits, later burstable families (T3, T3a, T4g) with "unlimited". */
export function defaultCpuCredits(instanceType: string): string | undefined {
  if (!instanceTypeInfo(instanceType)?.BurstablePerformanceSupported) return undefined;
  return instanceType.startsWith("t2.") ? "standard" : "unlimited";
}

const creditsOf = (record: InstanceRecord): string | undefined => record.cpuCredits ?? defaultCpuCredits(record.instance.InstanceType ?? "");

export function describeCreditSpecifications(input: DescribeInstanceCreditSpecificationsRequest, ctx: RequestContext): DescribeInstanceCreditSpecificationsResult {
  const ids = input.InstanceIds ?? [];
  if (ids.length > 0 && input.MaxResults !== undefined) throw new AwsError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  const records = ids.length ? requireInstances(ctx, ids) : liveRecords(ctx).filter((r) => creditsOf(r) !== undefined);
  for (const record of records) {
    if (creditsOf(record) === undefined) throw new AwsError("UnsupportedOperation", `The instance ID '${record.InstanceId}' is not a burstable performance instance.`);
  }
  checkDryRun(input);
  const specs: InstanceCreditSpecification[] = records.map((r) => ({ InstanceId: r.InstanceId, CpuCredits: creditsOf(r) }));
  const filtered = applyFilters(specs, input.Filters, { "instance-id": (s) => s.InstanceId });
  const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
  return { InstanceCreditSpecifications: page.items, NextToken: page.nextToken };
}

export function modifyCreditSpecification(input: ModifyInstanceCreditSpecificationRequest, ctx: RequestContext): ModifyInstanceCreditSpecificationResult {
  const wanted = input.InstanceCreditSpecifications ?? [];
  const records = requireInstances(ctx, wanted.map((w) => w.InstanceId ?? ""));
  const successful: Array<{ InstanceId: string }> = [];
  const unsuccessful: UnsuccessfulInstanceCreditSpecificationItem[] = [];
  const updates: InstanceRecord[] = [];
  records.forEach((record, index) => {
    const credits = wanted[index]?.CpuCredits ?? "";
    if (credits !== "standard" && credits !== "unlimited") throw invalidParameterValue(`Value (${credits}) for parameter cpuCredits is invalid. Valid values are 'standard' and 'unlimited'.`);
    if (defaultCpuCredits(record.instance.InstanceType ?? "") === undefined) {
      unsuccessful.push({ InstanceId: record.InstanceId, Error: { Code: "InstanceCreditSpecification.NotSupported", Message: `The instance ID '${record.InstanceId}' is not a burstable performance instance.` } });
      return;
    }
    updates.push({ ...record, cpuCredits: credits });
    successful.push({ InstanceId: record.InstanceId });
  });
  checkDryRun(input);
  ctx.state.transaction(() => updates.forEach((record) => saveRecord(ctx, record)));
  return { SuccessfulInstanceCreditSpecifications: successful, UnsuccessfulInstanceCreditSpecifications: unsuccessful };
}

/** The instance profile a request names (by ARN or name), as RunInstances and the association calls accept it. */
export function resolveProfile(ctx: RequestContext, spec: IamInstanceProfileSpecification | undefined): { Arn: string; Id: string } {
  const wanted = spec?.Arn ?? spec?.Name;
  if (!wanted) throw missingParameter("IamInstanceProfile");
  const found = findInstanceProfile(ctx.state, ctx.account, wanted);
  if (!found) {
    throw spec?.Arn
      ? invalidParameterValue(`Value (${spec.Arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`)
      : invalidParameterValue(`Value (${wanted}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`);
  }
  return { Arn: found.Arn, Id: found.InstanceProfileId };
}

function associationOf(record: InstanceRecord, state: IamInstanceProfileAssociation["State"] = "associated"): IamInstanceProfileAssociation | undefined {
  const association = record.iamAssociation;
  const profile = record.instance.IamInstanceProfile;
  if (!association || !profile) return undefined;
  return { AssociationId: association.AssociationId, InstanceId: record.InstanceId, IamInstanceProfile: profile, State: state, Timestamp: asDate(association.Timestamp) };
}

/** A new association record for an instance launched or associated with a profile. */
export const newAssociation = (now = Date.now()) => ({ AssociationId: newEc2Id("iip-assoc"), Timestamp: new Date(now).toISOString() });

function byAssociation(ctx: RequestContext, associationId: string | undefined): InstanceRecord {
  if (!associationId) throw missingParameter("AssociationId");
  const record = liveRecords(ctx).find((r) => r.iamAssociation?.AssociationId === associationId && r.lifecycle.state !== "terminated");
  if (!record) throw new AwsError("InvalidAssociationID.NotFound", `An association with ID ${associationId} could not be found.`);
  return record;
}

export function associateProfile(ctx: RequestContext, instanceId: string | undefined, spec: IamInstanceProfileSpecification | undefined): IamInstanceProfileAssociation | undefined {
  const [record] = requireInstances(ctx, [instanceId ?? ""]);
  if (!record) return undefined;
  if (record.lifecycle.state !== "running" && record.lifecycle.state !== "stopped" && record.lifecycle.state !== "pending") {
    throw new AwsError("IncorrectInstanceState", `The instance '${record.InstanceId}' is not in a valid state for this operation.`);
  }
  if (record.iamAssociation) throw new AwsError("IncorrectState", `There is an existing association for instance ${record.InstanceId}`);
  const profile = resolveProfile(ctx, spec);
  const updated: InstanceRecord = { ...record, iamAssociation: newAssociation(), instance: { ...record.instance, IamInstanceProfile: profile } };
  saveRecord(ctx, updated);
  return associationOf(updated, "associating");
}

export function replaceProfile(ctx: RequestContext, associationId: string | undefined, spec: IamInstanceProfileSpecification | undefined): IamInstanceProfileAssociation | undefined {
  const record = byAssociation(ctx, associationId);
  const profile = resolveProfile(ctx, spec);
  const updated: InstanceRecord = { ...record, iamAssociation: newAssociation(), instance: { ...record.instance, IamInstanceProfile: profile } };
  saveRecord(ctx, updated);
  return associationOf(updated, "associating");
}

export function disassociateProfile(ctx: RequestContext, associationId: string | undefined): IamInstanceProfileAssociation | undefined {
  const record = byAssociation(ctx, associationId);
  const answer = associationOf(record, "disassociating");
  const { IamInstanceProfile: _gone, ...instance } = record.instance;
  saveRecord(ctx, { ...record, iamAssociation: undefined, instance });
  return answer;
}

export function describeAssociations(input: DescribeIamInstanceProfileAssociationsRequest, ctx: RequestContext): DescribeIamInstanceProfileAssociationsResult {
  const all = liveRecords(ctx)
    .filter((r) => r.lifecycle.state !== "terminated")
    .map((r) => associationOf(r))
    .filter((a): a is IamInstanceProfileAssociation => a !== undefined);
  const ids = input.AssociationIds ?? [];
  for (const id of ids) {
    if (!all.some((a) => a.AssociationId === id)) throw new AwsError("InvalidAssociationID.NotFound", `An association with ID ${id} could not be found.`);
  }
  const wanted = ids.length ? all.filter((a) => ids.includes(a.AssociationId ?? "")) : all;
  const filtered = applyFilters(wanted, input.Filters, { "instance-id": (a) => a.InstanceId, state: (a) => a.State });
  const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
  return { IamInstanceProfileAssociations: page.items, NextToken: page.nextToken };
}

/**
 * ModifyInstancePlacement: a stopped instance moves between hosts, tenancies and placement groups
 * (the family's host placement decides and records which host).
 */
export function modifyPlacement(input: ModifyInstancePlacementRequest, ctx: RequestContext): ModifyInstancePlacementResult {
  if (!input.InstanceId) throw missingParameter("InstanceId");
  const [record] = requireInstances(ctx, [input.InstanceId]);
  if (!record) return { Return: false };
  if (record.lifecycle.state !== "stopped") throw new AwsError("IncorrectInstanceState", `The instance '${record.InstanceId}' is not in the 'stopped' state.`);
  if (input.GroupName && !findPlacementGroup(ctx, input.GroupName)) {
    throw new AwsError("InvalidPlacementGroup.Unknown", `The Placement Group '${input.GroupName}' is unknown.`);
  }
  const tenancy = input.Tenancy ?? (input.HostId ? "host" : record.instance.Placement?.Tenancy);
  if (tenancy !== undefined && !["default", "dedicated", "host"].includes(tenancy)) throw invalidParameterValue(`Invalid value '${tenancy}' for tenancy.`);
  // ModifyInstancePlacement has no DryRun member.
  const zone = record.instance.Placement?.AvailabilityZone ?? "";
  const placement = { ...record.instance.Placement };
  if (input.HostId !== undefined || input.Tenancy !== undefined) {
    releaseFromHost(ctx, record.InstanceId);
    const hostId = placeOnHost(ctx, { instanceId: record.InstanceId, instanceType: record.instance.InstanceType ?? "", availabilityZone: zone, hostId: input.HostId, tenancy });
    placement.HostId = hostId;
    placement.Tenancy = tenancy === "dedicated" ? "dedicated" : hostId ? "host" : "default";
  }
  if (input.Affinity !== undefined) placement.Affinity = input.Affinity;
  if (input.GroupName !== undefined) placement.GroupName = input.GroupName;
  if (input.PartitionNumber !== undefined) placement.PartitionNumber = input.PartitionNumber;
  saveRecord(ctx, { ...record, instance: { ...record.instance, Placement: placement } });
  return { Return: true };
}
