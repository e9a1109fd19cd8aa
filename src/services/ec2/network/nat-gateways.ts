/** NAT gateways: pending → available and deleting → deleted by timestamp (advanced lazily on read, like instances). */
import type { NatGateway, NetworkInterfaceType } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import { lifecycleTimings } from "../../../engine/instance-runner.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { associateAddressRecord, disassociateAddressRecord, requireAddress } from "./addresses.ts";
import { createEni, deleteEniRecord, eniOf, requireSubnet } from "./eni-model.ts";
import { timestamp, type Net } from "./state.ts";
import { networkFor } from "./vpcs.ts";
import { idempotent } from "./idempotency.ts";

const natNotFound = (id: string) => ec2Error("NatGatewayNotFound", `The Nat Gateway ${id} was not found`);

const millis = (value: Date | undefined): number => (value ? Date.parse(String(value)) : 0);

/** Moves a gateway along its lifecycle by the clock (the same transition time as instances) and drops long-deleted ones. */
function advance(n: Net, nat: NatGateway, now: number): NatGateway | undefined {
  const timings = lifecycleTimings();
  const id = nat.NatGatewayId ?? "";
  if (nat.State === "pending" && now - millis(nat.CreateTime) >= timings.transitionMs) {
    return n.nats.put(id, { ...nat, State: "available" });
  }
  if (nat.State === "deleting" && now - millis(nat.DeleteTime) >= timings.transitionMs) {
    return n.nats.put(id, { ...nat, State: "deleted" });
  }
  if (nat.State === "deleted" && now - millis(nat.DeleteTime) >= timings.terminatedRetentionMs) {
    n.nats.delete(id);
    return undefined;
  }
  return nat;
}

function liveNats(n: Net): NatGateway[] {
  const now = Date.now();
  const result: NatGateway[] = [];
  for (const nat of n.nats.list()) {
    const current = advance(n, nat, now);
    if (current) result.push(current);
  }
  return result;
}

function createNat(ctx: RequestContext, n: Net, input: Ec2Operations["CreateNatGateway"]["input"], tags: NatGateway["Tags"]): NatGateway {
  const subnet = requireSubnet(n, input.SubnetId ?? "");
  const connectivity = input.ConnectivityType ?? "public";
  if (connectivity === "public" && !input.AllocationId) throw ec2Error("MissingParameter", "The request must contain the parameter AllocationId");
  const address = connectivity === "public" ? requireAddress(n, input.AllocationId, undefined) : undefined;
  if (address?.AssociationId) {
    throw ec2Error("Resource.AlreadyAssociated", `Elastic IP address [${address.AllocationId ?? ""}] is already associated`);
  }
  checkDryRun(input);
  const natId = newEc2Id("nat");
  // The gateway lives on a requester-managed interface in the subnet, which holds the Elastic IP.
  const eni = createEni(ctx, n, {
    subnet,
    groups: [],
    ...(input.PrivateIpAddress ? { privateIpAddress: input.PrivateIpAddress } : {}),
    description: `Interface for NAT Gateway ${natId}`,
    interfaceType: "nat_gateway" as NetworkInterfaceType, // what DescribeNetworkInterfaces shows for a NAT gateway's ENI
    requesterManaged: true,
  });
  const eniId = eni.NetworkInterfaceId ?? "";
  let associationId: string | undefined;
  if (address) associationId = associateAddressRecord(ctx, n, address, eni, eni.PrivateIpAddress ?? "");
  const nat: NatGateway = {
    CreateTime: timestamp(),
    NatGatewayAddresses: [
      {
        ...(address ? { AllocationId: address.AllocationId, PublicIp: address.PublicIp, AssociationId: associationId } : {}),
        NetworkInterfaceId: eniId,
        PrivateIp: eni.PrivateIpAddress,
        IsPrimary: true,
        Status: "succeeded",
      },
    ],
    NatGatewayId: natId,
    State: "pending",
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    Tags: tags ?? [],
    ConnectivityType: connectivity,
  };
  n.nats.put(natId, nat);
  return nat;
}

export const natGatewayHandlers: HandlerTable<Ec2Operations> = {
  CreateNatGateway: idempotent("CreateNatGateway", (input, ctx) => {
    const n = networkFor(ctx);
    checkTagSpecificationTypes(input.TagSpecifications, ["natgateway"]);
    const tags = tagsFor(input.TagSpecifications, "natgateway");
    const nat = ctx.state.transaction(() => createNat(ctx, n, input, tags));
    return { NatGateway: nat, ClientToken: input.ClientToken };
  }),


  DescribeNatGateways: (input, ctx) => {
    const n = networkFor(ctx);
    let selected = liveNats(n);
    if (input.NatGatewayIds && input.NatGatewayIds.length > 0) {
      for (const id of input.NatGatewayIds) if (!selected.some((g) => g.NatGatewayId === id)) throw natNotFound(id);
      const ids = new Set(input.NatGatewayIds);
      selected = selected.filter((g) => ids.has(g.NatGatewayId ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filter,
      {
        "nat-gateway-id": (g) => g.NatGatewayId,
        state: (g) => g.State,
        "subnet-id": (g) => g.SubnetId,
        "vpc-id": (g) => g.VpcId,
      },
      (g) => g.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { NatGateways: page.items, NextToken: page.nextToken };
  },

  DeleteNatGateway: (input, ctx) => {
    const n = networkFor(ctx);
    const nat = liveNats(n).find((g) => g.NatGatewayId === input.NatGatewayId);
    if (!nat || nat.State === "deleted") throw natNotFound(input.NatGatewayId ?? "");
    checkDryRun(input);
    ctx.state.transaction(() => {
      // The Elastic IP is released back to the account and the interface goes away with the gateway.
      for (const entry of nat.NatGatewayAddresses ?? []) {
        const address = entry.AllocationId ? n.addresses.get(entry.AllocationId) : undefined;
        if (address?.AssociationId) disassociateAddressRecord(ctx, n, address);
        const eni = entry.NetworkInterfaceId ? eniOf(n, entry.NetworkInterfaceId) : undefined;
        if (eni) deleteEniRecord(n, eni);
      }
      if (nat.State !== "deleting") {
        n.nats.put(nat.NatGatewayId ?? "", { ...nat, State: "deleting", DeleteTime: timestamp() });
      }
    });
    return { NatGatewayId: nat.NatGatewayId };
  },
};
