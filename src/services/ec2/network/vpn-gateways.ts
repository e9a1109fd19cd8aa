/** Virtual private gateways (the VPC side of a Site-to-Site VPN) and route propagation into route tables. */
import type { VpnGateway } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { KIND, requireRecord } from "./lookup.ts";
import type { Net } from "./state.ts";
import { networkFor, requireVpc } from "./vpcs.ts";

/** AWS's default Amazon-side ASN for a virtual private gateway. */
const DEFAULT_ASN = 64512;

function requireGateway(n: Net, id: string | undefined): VpnGateway {
  const gateway = id ? n.vgws.get(id) : undefined;
  if (!gateway) throw notFound("InvalidVpnGatewayID.NotFound", "vpnGateway", id ?? "");
  return gateway;
}

const attachedVpc = (gateway: VpnGateway): string | undefined => (gateway.VpcAttachments ?? []).find((a) => a.State === "attached")?.VpcId;

export const vpnGatewayHandlers: HandlerTable<Ec2Operations> = {
  CreateVpnGateway: (input, ctx) => {
    if (input.Type !== "ipsec.1") throw invalidParameterValue(`Value (${String(input.Type)}) for parameter type is invalid. Valid values: ipsec.1`);
    const asn = input.AmazonSideAsn ?? DEFAULT_ASN;
    const privateAsn = (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294);
    if (!privateAsn) throw invalidParameterValue(`Invalid value '${asn}' for amazonSideAsn: use a private ASN (64512-65534 or 4200000000-4294967294).`);
    checkTagSpecificationTypes(input.TagSpecifications, ["vpn-gateway"]);
    const tags = tagsFor(input.TagSpecifications, "vpn-gateway");
    checkDryRun(input);
    const n = networkFor(ctx);
    const id = newEc2Id("vgw");
    const gateway: VpnGateway = {
      State: "available",
      Type: "ipsec.1",
      VpcAttachments: [],
      VpnGatewayId: id,
      AmazonSideAsn: asn,
      Tags: tags,
      ...(input.AvailabilityZone ? { AvailabilityZone: input.AvailabilityZone } : {}),
    };
    return { VpnGateway: n.vgws.put(id, gateway) };
  },

  AttachVpnGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const gateway = requireGateway(n, input.VpnGatewayId);
    const vpc = requireVpc(n, input.VpcId);
    const current = attachedVpc(gateway);
    if (current) throw ec2Error("VpnGatewayAttachmentLimitExceeded", `The VPN gateway ${gateway.VpnGatewayId ?? ""} is already attached to ${current}`);
    if (n.vgws.list().some((g) => attachedVpc(g) === vpc.VpcId)) {
      throw ec2Error("VpnGatewayAttachmentLimitExceeded", `The VPC ${vpc.VpcId ?? ""} already has a VPN gateway attached`);
    }
    checkDryRun(input);
    const attachment = { State: "attached" as const, VpcId: vpc.VpcId };
    n.vgws.put(gateway.VpnGatewayId ?? "", { ...gateway, VpcAttachments: [...(gateway.VpcAttachments ?? []).filter((a) => a.VpcId !== vpc.VpcId), attachment] });
    return { VpcAttachment: attachment };
  },

  DetachVpnGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const gateway = requireGateway(n, input.VpnGatewayId);
    if (attachedVpc(gateway) !== input.VpcId) {
      throw ec2Error("InvalidVpnGatewayAttachment.NotFound", `The attachment with vpn gateway ID '${gateway.VpnGatewayId ?? ""}' and vpc ID '${input.VpcId ?? ""}' does not exist`);
    }
    checkDryRun(input);
    // The attachment stays listed as detached, as on AWS; propagation into the VPC's tables ends.
    ctx.state.transaction(() => {
      n.vgws.put(gateway.VpnGatewayId ?? "", { ...gateway, VpcAttachments: (gateway.VpcAttachments ?? []).map((a) => (a.VpcId === input.VpcId ? { ...a, State: "detached" as const } : a)) });
      for (const table of n.routeTables.list()) {
        if ((table.PropagatingVgws ?? []).some((p) => p.GatewayId === gateway.VpnGatewayId)) {
          n.routeTables.put(table.RouteTableId ?? "", { ...table, PropagatingVgws: (table.PropagatingVgws ?? []).filter((p) => p.GatewayId !== gateway.VpnGatewayId) });
        }
      }
    });
    return {};
  },

  DeleteVpnGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const gateway = requireGateway(n, input.VpnGatewayId);
    if (attachedVpc(gateway)) throw ec2Error("IncorrectState", `The VPN gateway '${gateway.VpnGatewayId ?? ""}' is attached to a VPC and cannot be deleted.`);
    checkDryRun(input);
    n.vgws.delete(gateway.VpnGatewayId ?? "");
    return {};
  },

  DescribeVpnGateways: (input, ctx) => {
    const n = networkFor(ctx);
    let selected = n.vgws.list();
    if (input.VpnGatewayIds && input.VpnGatewayIds.length > 0) {
      for (const id of input.VpnGatewayIds) requireGateway(n, id);
      const ids = new Set(input.VpnGatewayIds);
      selected = selected.filter((g) => ids.has(g.VpnGatewayId ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "amazon-side-asn": (g) => g.AmazonSideAsn,
        "attachment.state": (g) => (g.VpcAttachments ?? []).map((a) => a.State),
        "attachment.vpc-id": (g) => (g.VpcAttachments ?? []).map((a) => a.VpcId),
        "availability-zone": (g) => g.AvailabilityZone,
        state: (g) => g.State,
        type: (g) => g.Type,
        "vpn-gateway-id": (g) => g.VpnGatewayId,
      },
      (g) => g.Tags,
    );
    return { VpnGateways: filtered };
  },

  EnableVgwRoutePropagation: (input, ctx) => {
    const n = networkFor(ctx);
    const gateway = requireGateway(n, input.GatewayId);
    const table = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    if (attachedVpc(gateway) !== table.VpcId) {
      throw ec2Error("Gateway.NotAttached", `resource ${gateway.VpnGatewayId ?? ""} is not attached to network ${table.VpcId ?? ""}`);
    }
    checkDryRun(input);
    if (!(table.PropagatingVgws ?? []).some((p) => p.GatewayId === gateway.VpnGatewayId)) {
      n.routeTables.put(table.RouteTableId ?? "", { ...table, PropagatingVgws: [...(table.PropagatingVgws ?? []), { GatewayId: gateway.VpnGatewayId }] });
    }
    return {};
  },

  DisableVgwRoutePropagation: (input, ctx) => {
    const n = networkFor(ctx);
    const gateway = requireGateway(n, input.GatewayId);
    const table = requireRecord(n.routeTables, KIND.routeTable, input.RouteTableId);
    checkDryRun(input);
    n.routeTables.put(table.RouteTableId ?? "", { ...table, PropagatingVgws: (table.PropagatingVgws ?? []).filter((p) => p.GatewayId !== gateway.VpnGatewayId) });
    return {};
  },
};
