/** VPC endpoints as records: Gateway endpoints add prefix-list routes, Interface endpoints get an ENI per subnet. */
import type { RouteTable, VpcEndpoint } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import { crypto } from "../../../shared/builtins.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { createEni, deleteEniRecord, eniOf, requireSubnet, resolveGroupIds } from "./eni-model.ts";
import { KIND, requireRecord, selectByIds } from "./lookup.ts";
import { endpointTypesOf } from "./endpoint-services.ts";
import { awsPrefixListFor } from "./prefix-lists.ts";
import { timestamp, type Net } from "./state.ts";
import { defaultSecurityGroup } from "./vpc-setup.ts";
import { networkFor, requireVpc } from "./vpcs.ts";
import { idempotent } from "./idempotency.ts";

/** The wire value is lower-case "available" (the SDK enum spells it "Available"). */
const ENDPOINT_AVAILABLE = "available" as VpcEndpoint["State"];

const FULL_ACCESS_POLICY = JSON.stringify({ Version: "2008-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] });

/** com.amazonaws.<region>.<service> → the service short name, or InvalidServiceName. */
function serviceOf(ctx: RequestContext, serviceName: string | undefined): string {
  const prefix = `com.amazonaws.${ctx.region}.`;
  if (!serviceName || !serviceName.startsWith(prefix) || serviceName.length === prefix.length) {
    throw ec2Error("InvalidServiceName", `The Vpc Endpoint Service '${serviceName ?? ""}' does not exist`);
  }
  return serviceName.slice(prefix.length);
}

function addGatewayRoutes(n: Net, endpoint: VpcEndpoint, tableIds: readonly string[], prefixListId: string): void {
  const tables: RouteTable[] = tableIds.map((id) => {
    const table: RouteTable = requireRecord(n.routeTables, KIND.routeTable, id);
    if (table.VpcId !== endpoint.VpcId) throw invalidParameterValue(`Route table ${id} does not belong to VPC ${endpoint.VpcId ?? ""}`);
    if ((table.Routes ?? []).some((r) => r.DestinationPrefixListId === prefixListId)) {
      throw ec2Error("RouteAlreadyExists", `The route identified by ${prefixListId} already exists.`);
    }
    return table;
  });
  for (const table of tables) {
    const id = table.RouteTableId ?? "";
    n.routeTables.put(id, { ...table, Routes: [...(table.Routes ?? []), { DestinationPrefixListId: prefixListId, GatewayId: endpoint.VpcEndpointId, Origin: "CreateRoute", State: "active" }] });
  }
}

function removeGatewayRoutes(n: Net, endpointId: string, tableIds?: readonly string[]): void {
  for (const table of n.routeTables.list()) {
    if (tableIds && !tableIds.includes(table.RouteTableId ?? "")) continue;
    if ((table.Routes ?? []).some((r) => r.GatewayId === endpointId)) {
      n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: (table.Routes ?? []).filter((r) => r.GatewayId !== endpointId) });
    }
  }
}

function addInterfaceEnis(ctx: RequestContext, n: Net, endpoint: VpcEndpoint, subnetIds: readonly string[]): string[] {
  const groups = endpoint.Groups ?? [];
  const subnets = subnetIds.map((subnetId) => {
    const subnet = requireSubnet(n, subnetId);
    if (subnet.VpcId !== endpoint.VpcId) throw invalidParameterValue(`Subnet ${subnetId} does not belong to VPC ${endpoint.VpcId ?? ""}`);
    return subnet;
  });
  return subnets.map((subnet) => {
    const eni = createEni(ctx, n, {
      subnet,
      groups,
      description: `VPC Endpoint Interface ${endpoint.VpcEndpointId ?? ""}`,
      interfaceType: "vpc_endpoint",
      requesterManaged: true,
    });
    return eni.NetworkInterfaceId ?? "";
  });
}

function removeEnis(n: Net, eniIds: readonly string[]): void {
  for (const id of eniIds) {
    const eni = eniOf(n, id);
    if (eni) deleteEniRecord(n, eni);
  }
}

export const endpointHandlers: HandlerTable<Ec2Operations> = {
  CreateVpcEndpoint: idempotent("CreateVpcEndpoint", (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    const service = serviceOf(ctx, input.ServiceName);
    const type = input.VpcEndpointType ?? "Gateway";
    const supported = endpointTypesOf(ctx, input.ServiceName ?? "");
    if (supported.length === 0) throw ec2Error("InvalidServiceName", `The Vpc Endpoint Service '${input.ServiceName ?? ""}' does not exist`);
    const prefixList = awsPrefixListFor(ctx.region, service);
    if ((type !== "Gateway" && type !== "Interface") || !supported.includes(type) || (type === "Gateway" && !prefixList)) {
      throw invalidParameterValue(`The Vpc Endpoint Service '${input.ServiceName ?? ""}' does not support the endpoint type ${type}`);
    }
    if (input.PolicyDocument) {
      try {
        JSON.parse(input.PolicyDocument);
      } catch {
        throw ec2Error("InvalidPolicyDocument", "The policy document is not valid JSON.");
      }
    }
    checkTagSpecificationTypes(input.TagSpecifications, ["vpc-endpoint"]);
    const tags = tagsFor(input.TagSpecifications, "vpc-endpoint");
    const vpcId = vpc.VpcId ?? "";
    const groups = type === "Interface" ? resolveGroupIds(n, vpcId, input.SecurityGroupIds ?? []) : [];
    if (type === "Interface" && groups.length === 0) {
      const fallback = defaultSecurityGroup(n, vpcId);
      if (fallback) groups.push({ GroupId: fallback.GroupId, GroupName: fallback.GroupName });
    }
    checkDryRun(input);
    const id = newEc2Id("vpce");
    const suffix = crypto.randomBytes(4).toString("hex");
    const endpoint: VpcEndpoint = {
      VpcEndpointId: id,
      VpcEndpointType: type,
      VpcId: vpcId,
      ServiceName: input.ServiceName,
      State: ENDPOINT_AVAILABLE,
      PolicyDocument: input.PolicyDocument ?? FULL_ACCESS_POLICY,
      RouteTableIds: type === "Gateway" ? [...(input.RouteTableIds ?? [])] : [],
      SubnetIds: type === "Gateway" ? [] : [...(input.SubnetIds ?? [])],
      Groups: groups.map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName })),
      IpAddressType: input.IpAddressType ?? "ipv4",
      DnsOptions: { DnsRecordIpType: "ipv4" },
      PrivateDnsEnabled: type === "Interface" ? (input.PrivateDnsEnabled ?? true) : false,
      RequesterManaged: false,
      NetworkInterfaceIds: [],
      DnsEntries: type === "Interface" ? [{ DnsName: `${id}-${suffix}.${service}.${ctx.region}.vpce.amazonaws.com`, HostedZoneId: "Z7HUB22UULQXV" }] : [],
      CreationTimestamp: timestamp(),
      Tags: tags,
      OwnerId: ctx.account,
    };
    const stored = ctx.state.transaction(() => {
      if (type === "Gateway" && prefixList) addGatewayRoutes(n, endpoint, endpoint.RouteTableIds ?? [], prefixList.PrefixListId ?? "");
      if (type !== "Gateway") endpoint.NetworkInterfaceIds = addInterfaceEnis(ctx, n, endpoint, endpoint.SubnetIds ?? []);
      return n.endpoints.put(id, endpoint);
    });
    return { VpcEndpoint: stored, ClientToken: input.ClientToken };
  }),


  DescribeVpcEndpoints: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.endpoints, KIND.endpoint, input.VpcEndpointIds);
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "ip-address-type": (e) => e.IpAddressType,
        "service-name": (e) => e.ServiceName,
        "vpc-id": (e) => e.VpcId,
        "vpc-endpoint-id": (e) => e.VpcEndpointId,
        "vpc-endpoint-state": (e) => e.State,
        "vpc-endpoint-type": (e) => e.VpcEndpointType,
      },
      (e) => e.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 1, max: 1000 });
    return { VpcEndpoints: page.items, NextToken: page.nextToken };
  },

  ModifyVpcEndpoint: (input, ctx) => {
    const n = networkFor(ctx);
    const endpoint = requireRecord(n.endpoints, KIND.endpoint, input.VpcEndpointId);
    const id = endpoint.VpcEndpointId ?? "";
    if (input.PolicyDocument) {
      try {
        JSON.parse(input.PolicyDocument);
      } catch {
        throw ec2Error("InvalidPolicyDocument", "The policy document is not valid JSON.");
      }
    }
    checkDryRun(input);
    ctx.state.transaction(() => {
      const next: VpcEndpoint = { ...endpoint };
      if (input.ResetPolicy) next.PolicyDocument = FULL_ACCESS_POLICY;
      else if (input.PolicyDocument) next.PolicyDocument = input.PolicyDocument;
      if (input.PrivateDnsEnabled !== undefined) next.PrivateDnsEnabled = input.PrivateDnsEnabled;
      if (endpoint.VpcEndpointType === "Gateway") {
        const service = serviceOf(ctx, endpoint.ServiceName);
        const prefixListId = awsPrefixListFor(ctx.region, service)?.PrefixListId ?? "";
        const removed = input.RemoveRouteTableIds ?? [];
        removeGatewayRoutes(n, id, removed);
        const added = (input.AddRouteTableIds ?? []).filter((t) => !(next.RouteTableIds ?? []).includes(t));
        addGatewayRoutes(n, next, added, prefixListId);
        next.RouteTableIds = [...(next.RouteTableIds ?? []).filter((t) => !removed.includes(t)), ...added];
      } else {
        const removed = input.RemoveSubnetIds ?? [];
        const doomedEnis = (next.NetworkInterfaceIds ?? []).filter((e) => removed.includes(n.enis.get(e)?.SubnetId ?? ""));
        removeEnis(n, doomedEnis);
        const added = (input.AddSubnetIds ?? []).filter((s) => !(next.SubnetIds ?? []).includes(s));
        next.SubnetIds = [...(next.SubnetIds ?? []).filter((s) => !removed.includes(s)), ...added];
        const groupIds = [...(next.Groups ?? []).map((g) => g.GroupId ?? "").filter((g) => !(input.RemoveSecurityGroupIds ?? []).includes(g)), ...(input.AddSecurityGroupIds ?? [])];
        next.Groups = resolveGroupIds(n, next.VpcId ?? "", [...new Set(groupIds)]).map((g) => ({ GroupId: g.GroupId, GroupName: g.GroupName }));
        next.NetworkInterfaceIds = [...(next.NetworkInterfaceIds ?? []).filter((e) => !doomedEnis.includes(e)), ...addInterfaceEnis(ctx, n, next, added)];
      }
      n.endpoints.put(id, next);
    });
    return { Return: true };
  },

  DeleteVpcEndpoints: (input, ctx) => {
    const n = networkFor(ctx);
    checkDryRun(input);
    const unsuccessful: Array<{ ResourceId: string; Error: { Code: string; Message: string } }> = [];
    ctx.state.transaction(() => {
      for (const id of input.VpcEndpointIds ?? []) {
        const endpoint = n.endpoints.get(id);
        if (!endpoint) {
          unsuccessful.push({ ResourceId: id, Error: { Code: "InvalidVpcEndpoint.NotFound", Message: `The Vpc Endpoint Id '${id}' does not exist` } });
          continue;
        }
        removeGatewayRoutes(n, id);
        removeEnis(n, endpoint.NetworkInterfaceIds ?? []);
        n.endpoints.delete(id);
      }
    });
    return { Unsuccessful: unsuccessful };
  },
};
