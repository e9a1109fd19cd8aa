/** Finding network records by id with EC2's not-found errors, and Describe's "ids list" semantics. */
import { ec2Error, notFound } from "../shared/errors.ts";
import type { ScopedTable } from "./state.ts";

export interface Kind {
  code: string;
  noun: string;
}

export const KIND = {
  vpc: { code: "InvalidVpcID.NotFound", noun: "vpc" },
  subnet: { code: "InvalidSubnetID.NotFound", noun: "subnet" },
  igw: { code: "InvalidInternetGatewayID.NotFound", noun: "internetGateway" },
  eigw: { code: "InvalidGatewayID.NotFound", noun: "gateway" },
  routeTable: { code: "InvalidRouteTableID.NotFound", noun: "route table" },
  acl: { code: "InvalidNetworkAclID.NotFound", noun: "network acl" },
  group: { code: "InvalidGroup.NotFound", noun: "security group" },
  eni: { code: "InvalidNetworkInterfaceID.NotFound", noun: "network interface" },
  allocation: { code: "InvalidAllocationID.NotFound", noun: "allocation" },
  endpoint: { code: "InvalidVpcEndpointId.NotFound", noun: "Vpc Endpoint" },
  prefixList: { code: "InvalidPrefixListID.NotFound", noun: "prefix list" },
  carrier: { code: "InvalidCarrierGatewayID.NotFound", noun: "carrier gateway" },
  dhcp: { code: "InvalidDhcpOptionID.NotFound", noun: "dhcp option" },
} as const satisfies Record<string, Kind>;

export function requireRecord<T>(table: ScopedTable<T>, kind: Kind, id: string | undefined): T {
  if (!id) throw ec2Error("MissingParameter", `The request must contain the parameter ${kind.noun} id`);
  const record = table.get(id);
  if (!record) throw notFound(kind.code, kind.noun, id);
  return record;
}

/** Describe*'s id lists: the listed records (in table order), any unknown id → that kind's NotFound. */
export function selectByIds<T>(table: ScopedTable<T>, kind: Kind, ids: readonly string[] | undefined): T[] {
  if (!ids || ids.length === 0) return table.list();
  const missing = ids.filter((id) => !table.has(id));
  if (missing.length > 0) {
    throw ec2Error(kind.code, missing.length === 1 ? `The ${kind.noun} ID '${missing[0] ?? ""}' does not exist` : `The ${kind.noun} IDs '${missing.join(", ")}' do not exist`);
  }
  return [...new Set(ids)].map((id) => table.get(id) as T);
}
