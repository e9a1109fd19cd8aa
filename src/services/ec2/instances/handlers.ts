/** The instances family's EC2 operations. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { registerTaggable } from "../shared/tags.ts";
import { describeInstanceAttribute, getConsoleOutput, modifyInstanceAttribute, modifyInstanceMetadataOptions, setMonitoring } from "./attributes.ts";
import { describeInstances, describeInstanceStatus } from "./describe.ts";
import { associateProfile, describeAssociations, describeCreditSpecifications, disassociateProfile, modifyCreditSpecification, modifyPlacement, replaceProfile } from "./extras.ts";
import { rebootInstances, startInstances, stopInstances, terminateInstances } from "./lifecycle.ts";
import { getPasswordData } from "./password.ts";
import { runInstances } from "./run.ts";

registerTaggable({ prefix: "i", kind: "instances", resourceType: "instance", idField: "InstanceId", notFoundCode: "InvalidInstanceID.NotFound", noun: "instance" });

export const instanceHandlers: HandlerTable<Ec2Operations> = {
  RunInstances: (input, ctx) => runInstances(input, ctx),
  DescribeInstances: (input, ctx) => describeInstances(input, ctx),
  DescribeInstanceStatus: (input, ctx) => describeInstanceStatus(input, ctx),
  StartInstances: (input, ctx) => ({ StartingInstances: startInstances(ctx, input.InstanceIds ?? [], input.DryRun) }),
  StopInstances: (input, ctx) => ({ StoppingInstances: stopInstances(ctx, input.InstanceIds ?? [], { dryRun: input.DryRun, force: input.Force ?? false }) }),
  RebootInstances: (input, ctx) => {
    rebootInstances(ctx, input.InstanceIds ?? [], input.DryRun);
    return {};
  },
  TerminateInstances: (input, ctx) => ({ TerminatingInstances: terminateInstances(ctx, input.InstanceIds ?? [], input.DryRun) }),
  DescribeInstanceAttribute: (input, ctx) => describeInstanceAttribute(input, ctx),
  ModifyInstanceAttribute: (input, ctx) => {
    modifyInstanceAttribute(input, ctx);
    return {};
  },
  ModifyInstanceMetadataOptions: (input, ctx) => modifyInstanceMetadataOptions(input, ctx),
  MonitorInstances: (input, ctx) => ({ InstanceMonitorings: setMonitoring(ctx, input.InstanceIds ?? [], true, input.DryRun) }),
  UnmonitorInstances: (input, ctx) => ({ InstanceMonitorings: setMonitoring(ctx, input.InstanceIds ?? [], false, input.DryRun) }),
  GetConsoleOutput: (input, ctx) => getConsoleOutput(input, ctx),
  GetPasswordData: (input, ctx) => getPasswordData(input, ctx),
  DescribeInstanceCreditSpecifications: (input, ctx) => describeCreditSpecifications(input, ctx),
  ModifyInstanceCreditSpecification: (input, ctx) => modifyCreditSpecification(input, ctx),
  AssociateIamInstanceProfile: (input, ctx) => ({ IamInstanceProfileAssociation: associateProfile(ctx, input.InstanceId, input.IamInstanceProfile) }),
  ReplaceIamInstanceProfileAssociation: (input, ctx) => ({ IamInstanceProfileAssociation: replaceProfile(ctx, input.AssociationId, input.IamInstanceProfile) }),
  DisassociateIamInstanceProfile: (input, ctx) => ({ IamInstanceProfileAssociation: disassociateProfile(ctx, input.AssociationId) }),
  DescribeIamInstanceProfileAssociations: (input, ctx) => describeAssociations(input, ctx),
  ModifyInstancePlacement: (input, ctx) => modifyPlacement(input, ctx),
};
