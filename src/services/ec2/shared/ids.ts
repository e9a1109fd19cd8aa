/** EC2 resource ids as AWS mints them: a type prefix and 17 lower-case hex digits (i-0123456789abcdef0). */
import { pooledRandomHex } from "../../../shared/random-pool.ts";

export function newEc2Id(prefix: string): string {
  return `${prefix}-${pooledRandomHex(17)}`;
}

/** `InvalidInstanceID.Malformed` & co: ids must be the prefix and 8 or 17 hex digits. */
export function isWellFormedId(id: string, prefix: string): boolean {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}

export function arnOf(region: string, account: string, resource: string): string {
  return `arn:aws:ec2:${region}:${account}:${resource}`;
}
