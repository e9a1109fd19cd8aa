/** Service-linked roles: the AWSServiceRoleFor… roles AWS services create for themselves, protected from ordinary changes. */
import { crypto } from "../../../shared/builtins.ts";
import type { IamOperations } from "../../../generated/iam.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import type { HandlerTable } from "../../service-types.ts";
import { awsManagedPolicy } from "../aws-managed.ts";
import { invalidInput } from "../errors.ts";
import { iamScope, nameKey, newRole, putRole, requireRole, roleTable, type RoleRecord } from "../state.ts";
import { checkDescription, checkLength, requireString } from "../validate.ts";
import { roleView } from "../views.ts";

/** Role name and the AWS managed policy AWS attaches, per service principal (the services Stratus users meet most). */
const KNOWN: Record<string, { name: string; policy?: string }> = {
  "autoscaling.amazonaws.com": { name: "AWSServiceRoleForAutoScaling", policy: "AutoScalingServiceRolePolicy" },
  "ecs.amazonaws.com": { name: "AWSServiceRoleForECS", policy: "AmazonECSServiceRolePolicy" },
  "eks.amazonaws.com": { name: "AWSServiceRoleForAmazonEKS", policy: "AmazonEKSServiceRolePolicy" },
  "eks-nodegroup.amazonaws.com": { name: "AWSServiceRoleForAmazonEKSNodegroup", policy: "AWSServiceRoleForAmazonEKSNodegroup" },
  "elasticloadbalancing.amazonaws.com": { name: "AWSServiceRoleForElasticLoadBalancing", policy: "AWSElasticLoadBalancingServiceRolePolicy" },
  "spot.amazonaws.com": { name: "AWSServiceRoleForEC2Spot", policy: "AWSEC2SpotServiceRolePolicy" },
  "spotfleet.amazonaws.com": { name: "AWSServiceRoleForEC2SpotFleet", policy: "AWSEC2SpotFleetServiceRolePolicy" },
  "rds.amazonaws.com": { name: "AWSServiceRoleForRDS", policy: "AmazonRDSServiceRolePolicy" },
  "ecs.application-autoscaling.amazonaws.com": { name: "AWSServiceRoleForApplicationAutoScaling_ECSService", policy: "AWSApplicationAutoscalingECSServicePolicy" },
  "dynamodb.application-autoscaling.amazonaws.com": {
    name: "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
    policy: "AWSApplicationAutoscalingDynamoDBTablePolicy",
  },
  "elasticbeanstalk.amazonaws.com": { name: "AWSServiceRoleForElasticBeanstalk", policy: "AWSElasticBeanstalkServiceRolePolicy" },
  "replication.ecr.amazonaws.com": { name: "AWSServiceRoleForECRReplication", policy: "ECRReplicationServiceRolePolicy" },
  "opensearchservice.amazonaws.com": { name: "AWSServiceRoleForAmazonOpenSearchService", policy: "AmazonOpenSearchServiceRolePolicy" },
  "config.amazonaws.com": { name: "AWSServiceRoleForConfig", policy: "AWSConfigServiceRolePolicy" },
  "guardduty.amazonaws.com": { name: "AWSServiceRoleForAmazonGuardDuty", policy: "AmazonGuardDutyServiceRolePolicy" },
  "cloudtrail.amazonaws.com": { name: "AWSServiceRoleForCloudTrail", policy: "CloudTrailServiceRolePolicy" },
  "support.amazonaws.com": { name: "AWSServiceRoleForSupport", policy: "AWSSupportServiceRolePolicy" },
  "trustedadvisor.amazonaws.com": { name: "AWSServiceRoleForTrustedAdvisor", policy: "AWSTrustedAdvisorServiceRolePolicy" },
};

/** Other services: AWSServiceRoleFor + the service's first label in PascalCase. */
function roleNameFor(service: string): string {
  const known = KNOWN[service]?.name;
  if (known) return known;
  const label = service.split(".")[0] ?? service;
  return `AWSServiceRoleFor${label.split("-").map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join("")}`;
}

export const protectedRole = (role: RoleRecord): AwsError =>
  new AwsError("UnmodifiableEntity", `Cannot perform the operation on the protected role '${role.RoleName}' - this role is only modifiable by AWS`, { status: 400 });

export const serviceLinkedRoleHandlers: HandlerTable<IamOperations> = {
  CreateServiceLinkedRole(input, ctx) {
    const service = requireString(input.AWSServiceName, "aWSServiceName");
    checkLength(service, "aWSServiceName", 1, 128);
    if (!/^[\w+=,.@-]+\.amazonaws\.com(\.cn)?$/.test(service)) throw invalidInput(`Service principal ${service} is not valid.`);
    const description = checkDescription(input.Description);
    const suffix = input.CustomSuffix;
    if (suffix !== undefined) checkLength(suffix, "customSuffix", 1, 64);
    const name = suffix === undefined ? roleNameFor(service) : `${roleNameFor(service)}_${suffix}`;
    if (roleTable(ctx).has(iamScope(ctx), nameKey(name))) {
      throw invalidInput(`Service role name ${name} has been taken in this account, please try a different suffix.`);
    }
    const path = `/aws-service-role/${service}/`;
    const policyName = KNOWN[service]?.policy;
    const policy = policyName ? awsManagedPolicy(`arn:aws:iam::aws:policy/aws-service-role/${policyName}`) : undefined;
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: [service] }, Action: ["sts:AssumeRole"] }] };
    const role = newRole(ctx, name, path, {
      AssumeRolePolicyDocument: JSON.stringify(trust),
      MaxSessionDuration: 3600,
      Tags: [],
      AttachedPolicies: policy ? [policy.Arn] : [],
      InlinePolicies: [],
      ServiceLinked: true,
      ...(description !== undefined ? { Description: description } : {}),
    });
    putRole(ctx, role);
    return { Role: roleView(role, "create") };
  },

  /** Deletion is a task on AWS; Stratus finishes it at once, and the status call reports SUCCEEDED. */
  DeleteServiceLinkedRole(input, ctx) {
    const role = requireRole(ctx, requireString(input.RoleName, "roleName"));
    if (!role.ServiceLinked) throw invalidInput(`Role ${role.RoleName} is not a service-linked role.`);
    roleTable(ctx).delete(iamScope(ctx), nameKey(role.RoleName));
    return { DeletionTaskId: `task${role.Path}${role.RoleName}/${crypto.randomUUID()}` };
  },

  GetServiceLinkedRoleDeletionStatus(input) {
    const id = requireString(input.DeletionTaskId, "deletionTaskId");
    if (!id.startsWith("task/aws-service-role/")) throw invalidInput(`Invalid deletion task id ${id}.`);
    return { Status: "SUCCEEDED" };
  },
};
