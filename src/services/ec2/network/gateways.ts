/** Internet gateways, egress-only internet gateways and carrier gateways. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun, ec2Error } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { KIND, requireRecord, selectByIds } from "./lookup.ts";
import type { Net } from "./state.ts";
import { createInternetGateway, IGW_ATTACHED } from "./vpc-setup.ts";
import { networkFor, requireVpc } from "./vpcs.ts";
import { idempotent } from "./idempotency.ts";

/** AWS refuses to detach a VPC's internet gateway while addresses in it are mapped to public IPs (routes to it just turn blackhole). */
function vpcHasPublicAddresses(n: Net, vpcId: string): boolean {
  return n.enis.list().some((e) => e.VpcId === vpcId && e.Association?.PublicIp !== undefined);
}

export const gatewayHandlers: HandlerTable<Ec2Operations> = {
  CreateInternetGateway: (input, ctx) => {
    checkTagSpecificationTypes(input.TagSpecifications, ["internet-gateway"]);
    const tags = tagsFor(input.TagSpecifications, "internet-gateway");
    checkDryRun(input);
    const n = networkFor(ctx);
    return { InternetGateway: createInternetGateway(ctx, n, tags) };
  },

  AttachInternetGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const igw = requireRecord(n.igws, KIND.igw, input.InternetGatewayId);
    const vpc = requireVpc(n, input.VpcId);
    const current = (igw.Attachments ?? [])[0];
    if (current) throw ec2Error("Resource.AlreadyAssociated", `resource ${igw.InternetGatewayId ?? ""} is already attached to network ${current.VpcId ?? ""}`);
    const other = n.igws.list().find((g) => (g.Attachments ?? []).some((a) => a.VpcId === vpc.VpcId));
    if (other) {
      throw ec2Error("InvalidParameterValue", `Network ${vpc.VpcId ?? ""} already has an internet gateway attached`);
    }
    checkDryRun(input);
    n.igws.put(igw.InternetGatewayId ?? "", { ...igw, Attachments: [{ State: IGW_ATTACHED, VpcId: vpc.VpcId }] });
    return {};
  },

  DetachInternetGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const igw = requireRecord(n.igws, KIND.igw, input.InternetGatewayId);
    const vpc = requireVpc(n, input.VpcId);
    if (!(igw.Attachments ?? []).some((a) => a.VpcId === vpc.VpcId)) {
      throw ec2Error("Gateway.NotAttached", `resource ${igw.InternetGatewayId ?? ""} is not attached to network ${vpc.VpcId ?? ""}`);
    }
    if (vpcHasPublicAddresses(n, vpc.VpcId ?? "")) {
      throw ec2Error("DependencyViolation", `Network ${vpc.VpcId ?? ""} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`);
    }
    checkDryRun(input);
    n.igws.put(igw.InternetGatewayId ?? "", { ...igw, Attachments: [] });
    return {};
  },

  DeleteInternetGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const igw = requireRecord(n.igws, KIND.igw, input.InternetGatewayId);
    if ((igw.Attachments ?? []).length > 0) {
      throw ec2Error("DependencyViolation", `The internetGateway '${igw.InternetGatewayId ?? ""}' has dependencies and cannot be deleted.`);
    }
    checkDryRun(input);
    n.igws.delete(igw.InternetGatewayId ?? "");
    return {};
  },

  DescribeInternetGateways: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.igws, KIND.igw, input.InternetGatewayIds);
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "attachment.state": (g) => (g.Attachments ?? []).map((a) => a.State),
        "attachment.vpc-id": (g) => (g.Attachments ?? []).map((a) => a.VpcId),
        "internet-gateway-id": (g) => g.InternetGatewayId,
        "owner-id": (g) => g.OwnerId,
      },
      (g) => g.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { InternetGateways: page.items, NextToken: page.nextToken };
  },

  CreateEgressOnlyInternetGateway: idempotent("CreateEgressOnlyInternetGateway", (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    checkTagSpecificationTypes(input.TagSpecifications, ["egress-only-internet-gateway"]);
    const tags = tagsFor(input.TagSpecifications, "egress-only-internet-gateway");
    checkDryRun(input);
    const id = newEc2Id("eigw");
    const gateway = n.eigws.put(id, { Attachments: [{ State: "attached", VpcId: vpc.VpcId }], EgressOnlyInternetGatewayId: id, Tags: tags });
    return { EgressOnlyInternetGateway: gateway, ClientToken: input.ClientToken };
  }),


  DescribeEgressOnlyInternetGateways: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.eigws, KIND.eigw, input.EgressOnlyInternetGatewayIds);
    checkDryRun(input);
    const filtered = applyFilters(selected, input.Filters, {}, (g) => g.Tags);
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 255 });
    return { EgressOnlyInternetGateways: page.items, NextToken: page.nextToken };
  },

  DeleteEgressOnlyInternetGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const gateway = requireRecord(n.eigws, KIND.eigw, input.EgressOnlyInternetGatewayId);
    checkDryRun(input);
    n.eigws.delete(gateway.EgressOnlyInternetGatewayId ?? "");
    return { ReturnCode: true };
  },

  CreateCarrierGateway: idempotent("CreateCarrierGateway", (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    checkTagSpecificationTypes(input.TagSpecifications, ["carrier-gateway"]);
    const tags = tagsFor(input.TagSpecifications, "carrier-gateway");
    checkDryRun(input);
    const id = newEc2Id("cagw");
    const gateway = n.carrier.put(id, { CarrierGatewayId: id, VpcId: vpc.VpcId, State: "available", OwnerId: ctx.account, Tags: tags });
    return { CarrierGateway: gateway };
  }),


  DescribeCarrierGateways: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.carrier, KIND.carrier, input.CarrierGatewayIds);
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "carrier-gateway-id": (g) => g.CarrierGatewayId,
        state: (g) => g.State,
        "owner-id": (g) => g.OwnerId,
        "vpc-id": (g) => g.VpcId,
      },
      (g) => g.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { CarrierGateways: page.items, NextToken: page.nextToken };
  },

  DeleteCarrierGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const gateway = requireRecord(n.carrier, KIND.carrier, input.CarrierGatewayId);
    checkDryRun(input);
    n.carrier.delete(gateway.CarrierGatewayId ?? "");
    return { CarrierGateway: { ...gateway, State: "deleting" } };
  },
};
