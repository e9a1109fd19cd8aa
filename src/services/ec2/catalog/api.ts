/** The catalog family's entry point for the other EC2 families: images, instance types, offerings and zones. */
import type { AvailabilityZone, Image, InstanceTypeInfo } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { instanceTypes } from "./data.ts";
import { imageUsingSnapshot, lookupImage } from "./image-store.ts";
import { findZone, standardZoneNames, zoneOfferedTypes } from "./zones.ts";

/** An image the caller may launch in its region: the public catalogue, its own images, or images shared with it. */
export const findImage = (ctx: RequestContext, imageId: string): Image | undefined => lookupImage(ctx, imageId);

/** The DescribeInstanceTypes record of a type, or undefined for an unknown type. */
export const instanceTypeInfo = (instanceType: string): InstanceTypeInfo | undefined => instanceTypes().get(instanceType);

/** Whether the type is offered in the zone (Local and Wavelength Zones: see zoneOfferedTypes). */
export function isInstanceTypeOffered(ctx: RequestContext, availabilityZone: string, instanceType: string): boolean {
  const zone = findZone(ctx, availabilityZone);
  return zone ? zoneOfferedTypes(ctx, zone).has(instanceType) : false;
}

/** The region's standard Availability Zones, in order (a, b, c …). */
export const availabilityZoneNames = (ctx: RequestContext): string[] => standardZoneNames(ctx);

/** Any zone of the caller's region (standard, Local, Wavelength) with this account's current opt-in status. */
export const zoneInfo = (ctx: RequestContext, zoneName: string): AvailabilityZone | undefined => findZone(ctx, zoneName);

/** The id of one of the account's images that uses the snapshot (DeleteSnapshot answers InvalidSnapshot.InUse). */
export const imageUsingSnapshotId = (ctx: RequestContext, snapshotId: string): string | undefined => imageUsingSnapshot(ctx, snapshotId);
