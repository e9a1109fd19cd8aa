/** Finding network records by id with EC2's not-found errors, and Describe's "ids list" semantics. */
import { ec2Error, notFound } from "../shared/errors.ts";
import { isWellFormedId } from "../shared/ids.ts";
import type { ScopedTable } from "./state.ts";

export interface Kind {
  code: string;
  noun: string;
  /** Id prefix and the code EC2 answers for an id that cannot be one of this kind ("InvalidVpcID.Malformed"). */
  prefix?: string;
  malformed?: string;
}

export const KIND = {
  vpc: { code: "InvalidVpcID.NotFound", noun: "vpc", prefix: "vpc", malformed: "InvalidVpcID.Malformed" },
  subnet: { code: "InvalidSubnetID.NotFound", noun: "subnet", prefix: "subnet", malformed: "InvalidSubnetID.Malformed" },
  igw: { code: "InvalidInternetGatewayID.NotFound", noun: "internetGateway", prefix: "igw", malformed: "InvalidInternetGatewayID.Malformed" },
  eigw: { code: "InvalidGatewayID.NotFound", noun: "gateway" },
  routeTable: { code: "InvalidRouteTableID.NotFound", noun: "route table", prefix: "rtb", malformed: "InvalidRouteTableID.Malformed" },
  acl: { code: "InvalidNetworkAclID.NotFound", noun: "network acl" },
  group: { code: "InvalidGroup.NotFound", noun: "security group" },
  eni: { code: "InvalidNetworkInterfaceID.NotFound", noun: "network interface", prefix: "eni", malformed: "InvalidNetworkInterfaceID.Malformed" },
  allocation: { code: "InvalidAllocationID.NotFound", noun: "allocation", prefix: "eipalloc", malformed: "InvalidAllocationID.Malformed" },
  endpoint: { code: "InvalidVpcEndpointId.NotFound", noun: "Vpc Endpoint", prefix: "vpce", malformed: "InvalidVpcEndpointId.Malformed" },
  prefixList: { code: "InvalidPrefixListID.NotFound", noun: "prefix list" },
  carrier: { code: "InvalidCarrierGatewayID.NotFound", noun: "carrier gateway" },
  dhcp: { code: "InvalidDhcpOptionID.NotFound", noun: "dhcp option" },
} as const satisfies Record<string, Kind>;

/** EC2 tells a malformed id (`Invalid id: "foo"`) from a well-formed unknown one. */
export function checkWellFormed(kind: Kind, id: string): void {
  if (kind.prefix && kind.malformed && !isWellFormedId(id, kind.prefix)) {
    throw ec2Error(kind.malformed, `Invalid id: "${id}" (expecting "${kind.prefix}-...")`);
  }
}

export function requireRecord<T>(table: ScopedTable<T>, kind: Kind, id: string | undefined): T {
  if (!id) throw ec2Error("MissingParameter", `The request must contain the parameter ${kind.noun} id`);
  checkWellFormed(kind, id);
  const record = table.get(id);
  if (!record) throw notFound(kind.code, kind.noun, id);
  return record;
}

/** Describe*'s id lists: the listed records (in the order asked), any unknown id → that kind's NotFound. */
export function selectByIds<T>(table: ScopedTable<T>, kind: Kind, ids: readonly string[] | undefined): T[] {
  if (!ids || ids.length === 0) return table.list();
  for (const id of ids) checkWellFormed(kind, id);
  const missing = ids.filter((id) => !table.has(id));
  if (missing.length > 0) {
    throw ec2Error(kind.code, missing.length === 1 ? `The ${kind.noun} ID '${missing[0] ?? ""}' does not exist` : `The ${kind.noun} IDs '${missing.join(", ")}' do not exist`);
  }
  return [...new Set(ids)].map((id) => table.get(id) as T);
}
