/** Route tables: create/describe/delete, routes (create/replace/delete) and subnet/gateway associations. */
import type { CreateRouteRequest, Route, RouteTable } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { formatCidr, parseCidr } from "./cidr.ts";
import { KIND, requireRecord, selectByIds } from "./lookup.ts";
import { peeringState } from "./peering.ts";
import { requirePrefixList } from "./prefix-lists.ts";
import type { Net } from "./state.ts";
import { requireSubnetRecord } from "./subnets.ts";
import { networkFor, requireVpc } from "./vpcs.ts";
import { idempotent } from "./idempotency.ts";

type RouteTarget = Pick<Route, "GatewayId" | "NatGatewayId" | "NetworkInterfaceId" | "InstanceId" | "CarrierGatewayId" | "EgressOnlyInternetGatewayId" | "VpcPeeringConnectionId" | "TransitGatewayId" | "LocalGatewayId" | "CoreNetworkArn">;

const TARGET_FIELDS = ["GatewayId", "NatGatewayId", "NetworkInterfaceId", "InstanceId", "CarrierGatewayId", "EgressOnlyInternetGatewayId", "VpcPeeringConnectionId", "TransitGatewayId", "LocalGatewayId", "CoreNetworkArn"] as const;

/** The one target of a CreateRoute/ReplaceRoute request, checked to exist and to belong to the table's VPC. */
function routeTarget(ctx: RequestContext, n: Net, table: RouteTable, input: CreateRouteRequest): RouteTarget {
  const given = TARGET_FIELDS.filter((field) => input[field] !== undefined && input[field] !== "");
  if (input.VpcEndpointId && given.length === 0) return { GatewayId: input.VpcEndpointId };
  if (given.length !== 1) {
    throw ec2Error("InvalidParameterCombination", "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, instanceId, carrierGatewayId, egressOnlyInternetGatewayId, vpcPeeringConnectionId, transitGatewayId, localGatewayId or coreNetworkArn");
  }
  const vpcId = table.VpcId ?? "";
  const differentNetworks = (id: string) =>
    invalidParameterValue(`route table ${table.RouteTableId ?? ""} and network gateway ${id} belong to different networks`);
  if (input.GatewayId) {
    const id = input.GatewayId;
    if (id.startsWith("vpce-")) {
      requireRecord(n.endpoints, KIND.endpoint, id);
      return { GatewayId: id };
    }
    if (id.startsWith("vgw-")) {
      const vgw = n.vgws.get(id);
      if (!vgw) throw notFound("InvalidVpnGatewayID.NotFound", "vpnGateway", id);
      if (!(vgw.VpcAttachments ?? []).some((a) => a.VpcId === vpcId && a.State === "attached")) throw differentNetworks(id);
      return { GatewayId: id };
    }
    const igw = requireRecord(n.igws, KIND.igw, id);
    if (!(igw.Attachments ?? []).some((a) => a.VpcId === vpcId)) throw differentNetworks(id);
    return { GatewayId: id };
  }
  if (input.NatGatewayId) {
    const nat = n.nats.get(input.NatGatewayId);
    if (!nat || nat.State === "deleted") throw ec2Error("NatGatewayNotFound", `The natGateway ID '${input.NatGatewayId}' does not exist`);
    if (nat.VpcId !== vpcId) throw differentNetworks(input.NatGatewayId);
    return { NatGatewayId: input.NatGatewayId };
  }
  if (input.NetworkInterfaceId) {
    const eni = requireRecord(n.enis, KIND.eni, input.NetworkInterfaceId);
    if (eni.VpcId !== vpcId) throw differentNetworks(input.NetworkInterfaceId);
    return { NetworkInterfaceId: input.NetworkInterfaceId, ...(eni.Attachment?.InstanceId ? { InstanceId: eni.Attachment.InstanceId, InstanceOwnerId: eni.OwnerId } : {}) };
  }
  if (input.InstanceId) {
    const primary = (n.instanceEnis.get(input.InstanceId)?.eniIds ?? []).map((id) => n.enis.get(id)).find((e) => e?.Attachment?.DeviceIndex === 0);
    if (!primary) throw notFound("InvalidInstanceID.NotFound", "instance", input.InstanceId);
    if (primary.VpcId !== vpcId) throw differentNetworks(input.InstanceId);
    return { InstanceId: input.InstanceId, NetworkInterfaceId: primary.NetworkInterfaceId };
  }
  if (input.CarrierGatewayId) {
    const gateway = requireRecord(n.carrier, KIND.carrier, input.CarrierGatewayId);
    if (gateway.VpcId !== vpcId) throw differentNetworks(input.CarrierGatewayId);
    return { CarrierGatewayId: input.CarrierGatewayId };
  }
  if (input.EgressOnlyInternetGatewayId) {
    const gateway = requireRecord(n.eigws, KIND.eigw, input.EgressOnlyInternetGatewayId);
    if (!(gateway.Attachments ?? []).some((a) => a.VpcId === vpcId)) throw differentNetworks(input.EgressOnlyInternetGatewayId);
    return { EgressOnlyInternetGatewayId: input.EgressOnlyInternetGatewayId };
  }
  if (input.VpcPeeringConnectionId) {
    if (peeringState(ctx, input.VpcPeeringConnectionId) === "missing") {
      throw notFound("InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection", input.VpcPeeringConnectionId);
    }
    return { VpcPeeringConnectionId: input.VpcPeeringConnectionId };
  }
  // Transit and local gateways and core networks are not modelled here: recorded as given.
  const field = given[0] as (typeof TARGET_FIELDS)[number];
  return { [field]: input[field] };
}

interface Destination {
  key: "DestinationCidrBlock" | "DestinationIpv6CidrBlock" | "DestinationPrefixListId";
  value: string;
}

function routeDestination(n: Net, input: { DestinationCidrBlock?: string | undefined; DestinationIpv6CidrBlock?: string | undefined; DestinationPrefixListId?: string | undefined }): Destination {
  if (input.DestinationCidrBlock) {
    const cidr = parseCidr(input.DestinationCidrBlock);
    if (!cidr) throw invalidParameterValue(`Value (${input.DestinationCidrBlock}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`);
    return { key: "DestinationCidrBlock", value: formatCidr(cidr) };
  }
  if (input.DestinationIpv6CidrBlock) return { key: "DestinationIpv6CidrBlock", value: input.DestinationIpv6CidrBlock.toLowerCase() };
  if (input.DestinationPrefixListId) {
    requirePrefixList(n, input.DestinationPrefixListId);
    return { key: "DestinationPrefixListId", value: input.DestinationPrefixListId };
  }
  throw ec2Error("MissingParameter", "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock or destinationPrefixListId");
}

/** A route whose target is gone (deleted, detached) shows as a blackhole, as on AWS. */
function routeState(ctx: RequestContext, n: Net, table: RouteTable, route: Route): Route["State"] {
  if (route.GatewayId === "local") return "active";
  if (route.GatewayId?.startsWith("igw-")) {
    const igw = n.igws.get(route.GatewayId);
    return igw && (igw.Attachments ?? []).some((a) => a.VpcId === table.VpcId) ? "active" : "blackhole";
  }
  if (route.GatewayId?.startsWith("vgw-")) {
    const vgw = n.vgws.get(route.GatewayId);
    return vgw && (vgw.VpcAttachments ?? []).some((a) => a.VpcId === table.VpcId && a.State === "attached") ? "active" : "blackhole";
  }
  if (route.NatGatewayId) {
    const nat = n.nats.get(route.NatGatewayId);
    return nat && nat.State !== "deleted" && nat.State !== "deleting" && nat.State !== "failed" ? "active" : "blackhole";
  }
  if (route.NetworkInterfaceId) return n.enis.has(route.NetworkInterfaceId) ? "active" : "blackhole";
  if (route.EgressOnlyInternetGatewayId) return n.eigws.has(route.EgressOnlyInternetGatewayId) ? "active" : "blackhole";
  if (route.CarrierGatewayId) return n.carrier.has(route.CarrierGatewayId) ? "active" : "blackhole";
  if (route.VpcPeeringConnectionId) return peeringState(ctx, route.VpcPeeringConnectionId) === "active" ? "active" : "blackhole";
  return "active";
}

const tableView = (ctx: RequestContext, n: Net, table: RouteTable): RouteTable => ({
  ...table,
  Routes: (table.Routes ?? []).map((route) => ({ ...route, State: routeState(ctx, n, table, route) })),
});

const routeMatches = (route: Route, destination: Destination): boolean => route[destination.key] === destination.value;

function findAssociation(n: Net, associationId: string | undefined): { table: RouteTable; index: number } {
  for (const table of n.routeTables.list()) {
    const index = (table.Associations ?? []).findIndex((a) => a.RouteTableAssociationId === associationId);
    if (index >= 0) return { table, index };
  }
  throw notFound("InvalidAssociationID.NotFound", "association", associationId ?? "");
}

export const routeTableHandlers: HandlerTable<Ec2Operations> = {
  CreateRouteTable: idempotent("CreateRouteTable", (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    checkTagSpecificationTypes(input.TagSpecifications, ["route-table"]);
    const tags = tagsFor(input.TagSpecifications, "route-table");
    checkDryRun(input);
    const id = newEc2Id("rtb");
    const table: RouteTable = {
      Associations: [],
      PropagatingVgws: [],
      RouteTableId: id,
      Routes: [
        ...(vpc.CidrBlockAssociationSet ?? []).map((a): Route => ({ DestinationCidrBlock: a.CidrBlock, GatewayId: "local", Origin: "CreateRouteTable", State: "active" })),
        ...(vpc.Ipv6CidrBlockAssociationSet ?? []).map((a): Route => ({ DestinationIpv6CidrBlock: a.Ipv6CidrBlock, GatewayId: "local", Origin: "CreateRouteTable", State: "active" })),
      ],
      Tags: tags,
      VpcId: vpc.VpcId,
      OwnerId: ctx.account,
    };
    n.routeTables.put(id, table);
    return { RouteTable: table, ClientToken: input.ClientToken };
  }),


  DescribeRouteTables: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.routeTables, KIND.routeTable, input.RouteTableIds).map((t) => tableView(ctx, n, t));
    checkDryRun(input);
    const routes = (t: RouteTable) => t.Routes ?? [];
    const associations = (t: RouteTable) => t.Associations ?? [];
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "association.gateway-id": (t) => associations(t).map((a) => a.GatewayId),
        "association.route-table-association-id": (t) => associations(t).map((a) => a.RouteTableAssociationId),
        "association.route-table-id": (t) => associations(t).map((a) => a.RouteTableId),
        "association.subnet-id": (t) => associations(t).map((a) => a.SubnetId),
        // A table without any main association answers "false" to association.main, as AWS's filter does.
        "association.main": (t) => (associations(t).some((a) => a.Main) ? true : false),
        "owner-id": (t) => t.OwnerId,
        "route-table-id": (t) => t.RouteTableId,
        "route.destination-cidr-block": (t) => routes(t).map((r) => r.DestinationCidrBlock),
        "route.destination-ipv6-cidr-block": (t) => routes(t).map((r) => r.DestinationIpv6CidrBlock),
        "route.destination-prefix-list-id": (t) => routes(t).map((r) => r.DestinationPrefixListId),
        "route.egress-only-internet-gateway-id": (t) => routes(t).map((r) => r.EgressOnlyInternetGatewayId),
        "route.gateway-id": (t) => routes(t).map((r) => r.GatewayId),
        "route.instance-id": (t) => routes(t).map((r) => r.InstanceId),
        "route.nat-gateway-id": (t) => routes(t).map((r) => r.NatGatewayId),
        "route.transit-gateway-id": (t) => routes(t).map((r) => r.TransitGatewayId),
        "route.carrier-gateway-id": (t) => routes(t).map((r) => r.CarrierGatewayId),
        "route.origin": (t) => routes(t).map((r) => r.Origin),
        "route.state": (t) => routes(t).map((r) => r.State),
        "route.vpc-peering-connection-id": (t) => routes(t).map((r) => r.VpcPeeringConnectionId),
        "vpc-id": (t) => t.VpcId,
      },
      (t) => t.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 100 });
    return { RouteTables: page.items, NextToken: page.nextToken };
  },

  DeleteRouteTable: (input, ctx) => {
    const n = networkFor(ctx);
    const table = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    checkDryRun(input);
    // Associated tables (subnets, gateways) and the main table cannot go.
    if ((table.Associations ?? []).length > 0) {
      throw ec2Error("DependencyViolation", `The routeTable '${table.RouteTableId ?? ""}' has dependencies and cannot be deleted.`);
    }
    n.routeTables.delete(table.RouteTableId ?? "");
    return {};
  },

  CreateRoute: (input, ctx) => {
    const n = networkFor(ctx);
    const table = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    const destination = routeDestination(n, input);
    const target = routeTarget(ctx, n, table, input);
    if ((table.Routes ?? []).some((r) => routeMatches(r, destination))) {
      throw ec2Error("RouteAlreadyExists", `The route identified by ${destination.value} already exists.`);
    }
    checkDryRun(input);
    const route: Route = { [destination.key]: destination.value, ...target, Origin: "CreateRoute", State: "active" };
    n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: [...(table.Routes ?? []), route] });
    return { Return: true };
  },

  ReplaceRoute: (input, ctx) => {
    const n = networkFor(ctx);
    const table = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    const destination = routeDestination(n, input);
    const index = (table.Routes ?? []).findIndex((r) => routeMatches(r, destination));
    if (index < 0) {
      throw ec2Error("InvalidRoute.NotFound", `no route with destination-cidr-block ${destination.value} in route table ${table.RouteTableId ?? ""}`);
    }
    const target = input.LocalTarget ? { GatewayId: "local" } : routeTarget(ctx, n, table, input);
    checkDryRun(input);
    const routes = [...(table.Routes ?? [])];
    routes[index] = { [destination.key]: destination.value, ...target, Origin: "CreateRoute", State: "active" };
    n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: routes });
    return {};
  },

  DeleteRoute: (input, ctx) => {
    const n = networkFor(ctx);
    const table = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    const destination = routeDestination(n, input);
    const route = (table.Routes ?? []).find((r) => routeMatches(r, destination));
    if (!route) throw ec2Error("InvalidRoute.NotFound", `no route with destination-cidr-block ${destination.value} in route table ${table.RouteTableId ?? ""}`);
    if (route.GatewayId === "local") throw invalidParameterValue(`cannot remove local route ${destination.value} in route table ${table.RouteTableId ?? ""}`);
    checkDryRun(input);
    n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: (table.Routes ?? []).filter((r) => r !== route) });
    return {};
  },

  AssociateRouteTable: (input, ctx) => {
    const n = networkFor(ctx);
    const table = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    if (!input.SubnetId && !input.GatewayId) throw ec2Error("MissingParameter", "The request must contain the parameter subnetId or gatewayId");
    let target: { SubnetId: string } | { GatewayId: string };
    if (input.SubnetId) {
      const subnet = requireSubnetRecord(n, input.SubnetId);
      if (subnet.VpcId !== table.VpcId) {
        throw invalidParameterValue(`Route table ${table.RouteTableId ?? ""} and subnet ${input.SubnetId} belong to different networks`);
      }
      target = { SubnetId: input.SubnetId };
    } else {
      const igw = requireRecord(n.igws, KIND.igw, input.GatewayId);
      if (!(igw.Attachments ?? []).some((a) => a.VpcId === table.VpcId)) {
        throw invalidParameterValue(`Route table ${table.RouteTableId ?? ""} and gateway ${input.GatewayId ?? ""} belong to different networks`);
      }
      target = { GatewayId: input.GatewayId ?? "" };
    }
    const key = "SubnetId" in target ? target.SubnetId : target.GatewayId;
    const taken = n.routeTables.list().some((t) => (t.Associations ?? []).some((a) => a.SubnetId === key || a.GatewayId === key));
    if (taken) {
      throw ec2Error("Resource.AlreadyAssociated", `the specified association for route table ${table.RouteTableId ?? ""} conflicts with an existing association`);
    }
    checkDryRun(input);
    const associationId = newEc2Id("rtbassoc");
    const association = { Main: false, RouteTableAssociationId: associationId, RouteTableId: table.RouteTableId, ...target, AssociationState: { State: "associated" as const } };
    n.routeTables.put(table.RouteTableId ?? "", { ...table, Associations: [...(table.Associations ?? []), association] });
    return { AssociationId: associationId, AssociationState: { State: "associated" } };
  },

  DisassociateRouteTable: (input, ctx) => {
    const n = networkFor(ctx);
    const { table, index } = findAssociation(n, input.AssociationId);
    if (table.Associations?.[index]?.Main) {
      throw invalidParameterValue(`cannot disassociate the main route table association ${input.AssociationId ?? ""}`);
    }
    checkDryRun(input);
    n.routeTables.put(table.RouteTableId ?? "", { ...table, Associations: (table.Associations ?? []).filter((_, i) => i !== index) });
    return {};
  },

  ReplaceRouteTableAssociation: (input, ctx) => {
    const n = networkFor(ctx);
    const { table: current, index } = findAssociation(n, input.AssociationId);
    const next = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    if (next.VpcId !== current.VpcId) throw invalidParameterValue(`Route table ${next.RouteTableId ?? ""} belongs to a different network`);
    checkDryRun(input);
    const old = current.Associations?.[index];
    const associationId = newEc2Id("rtbassoc");
    ctx.state.transaction(() => {
      n.routeTables.put(current.RouteTableId ?? "", { ...current, Associations: (current.Associations ?? []).filter((_, i) => i !== index) });
      const fresh = n.routeTables.get(next.RouteTableId ?? "") ?? next;
      const association = { ...old, RouteTableAssociationId: associationId, RouteTableId: next.RouteTableId, AssociationState: { State: "associated" as const } };
      n.routeTables.put(next.RouteTableId ?? "", { ...fresh, Associations: [...(fresh.Associations ?? []), association] });
    });
    return { NewAssociationId: associationId, AssociationState: { State: "associated" } };
  },
};
