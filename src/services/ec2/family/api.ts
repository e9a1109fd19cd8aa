/** The family's entry points for other EC2 families (RunInstances and friends): key pairs, launch templates, placement groups, hosts. */
import type { KeyPairInfo, LaunchTemplateSpecification, PlacementGroup, ResponseLaunchTemplateData } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { keyPairByName, keyPairInfo } from "./key-pairs.ts";
import { placementGroupByName, placementGroupView } from "./placement-groups.ts";
import { findTemplate, findVersion } from "./template-store.ts";

export { placeOnHost, releaseFromHost, type HostPlacementRequest } from "./hosts.ts";

/** The key pair of that name (as DescribeKeyPairs shows it, with its public key), or undefined. */
export function findKeyPair(ctx: RequestContext, keyName: string): KeyPairInfo | undefined {
  const record = keyPairByName(ctx, keyName);
  return record ? keyPairInfo(record, true) : undefined;
}

/**
 * The data of the launch template version a RunInstances LaunchTemplate names (Version: a number,
 * $Latest or $Default; absent means $Default). Throws InvalidLaunchTemplateId.Malformed / .NotFound,
 * InvalidLaunchTemplateName.NotFoundException or InvalidLaunchTemplateId.VersionNotFound as EC2 does.
 */
export function resolveLaunchTemplate(ctx: RequestContext, spec: LaunchTemplateSpecification): ResponseLaunchTemplateData {
  const record = findTemplate(ctx, spec.LaunchTemplateId, spec.LaunchTemplateName);
  return structuredClone(findVersion(record, spec.Version).LaunchTemplateData);
}

export function findPlacementGroup(ctx: RequestContext, groupName: string): PlacementGroup | undefined {
  const record = placementGroupByName(ctx, groupName);
  return record ? placementGroupView(record) : undefined;
}
