/** VPC peering connections: request, accept/reject, delete; the record is visible to both sides (accounts and regions). */
import type { VpcPeeringConnection, VpcPeeringConnectionVpcInfo } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { Scope } from "../../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { ec2Table } from "../shared/scope.ts";
import { checkTagSpecificationTypes, registerTaggable, tagsFor } from "../shared/tags.ts";
import { cidrsOverlap, parseCidr } from "./cidr.ts";
import { timestamp, type StoredVpc } from "./state.ts";
import { networkFor, requireVpc } from "./vpcs.ts";

const KIND = "vpc-peering-connections";

registerTaggable({ prefix: "pcx", kind: KIND, resourceType: "vpc-peering-connection", idField: "VpcPeeringConnectionId", notFoundCode: "InvalidVpcPeeringConnectionID.NotFound", noun: "vpcPeeringConnection" });

/** A pending request expires after a week on AWS. */
const EXPIRY_MS = 7 * 24 * 3600 * 1000;

const table = (ctx: RequestContext) => ec2Table<VpcPeeringConnection>(ctx, KIND);

function sidesOf(connection: VpcPeeringConnection): Scope[] {
  const requester = { account: connection.RequesterVpcInfo?.OwnerId ?? "", region: connection.RequesterVpcInfo?.Region ?? "" };
  const accepter = { account: connection.AccepterVpcInfo?.OwnerId ?? "", region: connection.AccepterVpcInfo?.Region ?? "" };
  return requester.account === accepter.account && requester.region === accepter.region ? [requester] : [requester, accepter];
}

/** Writes the connection to both sides' scopes (status changes are seen by both), keeping each side's own tags. */
function save(ctx: RequestContext, connection: VpcPeeringConnection): void {
  const id = connection.VpcPeeringConnectionId ?? "";
  ctx.state.transaction(() => {
    for (const scope of sidesOf(connection)) {
      const tags = table(ctx).get(scope, id)?.Tags ?? (scope.account === ctx.account && scope.region === ctx.region ? connection.Tags : []);
      table(ctx).put(scope, id, { ...connection, Tags: tags ?? [] });
    }
  });
}

function requireConnection(ctx: RequestContext, id: string | undefined): VpcPeeringConnection {
  const connection = id ? table(ctx).get({ account: ctx.account, region: ctx.region }, id) : undefined;
  if (!connection || connection.Status?.Code === "deleted") throw notFound("InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection", id ?? "");
  return connection;
}

const vpcInfo = (vpc: StoredVpc, region: string): VpcPeeringConnectionVpcInfo => ({
  CidrBlock: vpc.CidrBlock,
  CidrBlockSet: (vpc.CidrBlockAssociationSet ?? []).map((a) => ({ CidrBlock: a.CidrBlock })),
  Ipv6CidrBlockSet: (vpc.Ipv6CidrBlockAssociationSet ?? []).map((a) => ({ Ipv6CidrBlock: a.Ipv6CidrBlock })),
  OwnerId: vpc.OwnerId,
  VpcId: vpc.VpcId,
  Region: region,
  PeeringOptions: { AllowDnsResolutionFromRemoteVpc: false, AllowEgressFromLocalClassicLinkToRemoteVpc: false, AllowEgressFromLocalVpcToRemoteClassicLink: false },
});

function overlaps(a: StoredVpc, b: StoredVpc): boolean {
  const blocks = (vpc: StoredVpc) => (vpc.CidrBlockAssociationSet ?? []).map((x) => parseCidr(x.CidrBlock ?? "")).filter((c) => c !== undefined);
  return blocks(a).some((x) => blocks(b).some((y) => cidrsOverlap(x, y)));
}

/** Whether a route may point at the connection, and whether it carries traffic (active). */
export function peeringState(ctx: RequestContext, id: string): "active" | "inactive" | "missing" {
  const connection = table(ctx).get({ account: ctx.account, region: ctx.region }, id);
  if (!connection || connection.Status?.Code === "deleted") return "missing";
  return connection.Status?.Code === "active" ? "active" : "inactive";
}

/** Accept/reject come from the accepter side; delete from either. */
function transition(ctx: RequestContext, id: string | undefined, action: "accept" | "reject" | "delete", dryRun: boolean | undefined): VpcPeeringConnection {
  const connection = requireConnection(ctx, id);
  const code = connection.Status?.Code;
  const isAccepter = connection.AccepterVpcInfo?.OwnerId === ctx.account && connection.AccepterVpcInfo?.Region === ctx.region;
  if (action !== "delete" && !isAccepter) {
    throw ec2Error("OperationNotPermitted", `User ${ctx.account} cannot ${action} peering ${connection.VpcPeeringConnectionId ?? ""}`);
  }
  if (action !== "delete" && code !== "pending-acceptance") {
    throw ec2Error("InvalidStateTransition", `Invalid state transition for ${connection.VpcPeeringConnectionId ?? ""}, attempted to transition from ${code ?? ""} to ${action === "accept" ? "active" : "rejected"}`);
  }
  checkDryRun({ DryRun: dryRun });
  const status =
    action === "accept"
      ? { Code: "active" as const, Message: "Active" }
      : action === "reject"
        ? { Code: "rejected" as const, Message: `Rejected by ${ctx.account}` }
        : { Code: "deleted" as const, Message: `Deleted by ${ctx.account}` };
  const { ExpirationTime: _expiry, ...rest } = connection;
  const next: VpcPeeringConnection = { ...(action === "accept" ? rest : connection), Status: status };
  save(ctx, next);
  return next;
}

export const peeringHandlers: HandlerTable<Ec2Operations> = {
  CreateVpcPeeringConnection: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    if (!input.PeerVpcId) throw ec2Error("MissingParameter", "The request must contain the parameter peerVpcId");
    checkTagSpecificationTypes(input.TagSpecifications, ["vpc-peering-connection"]);
    const tags = tagsFor(input.TagSpecifications, "vpc-peering-connection");
    const peerScope = { account: input.PeerOwnerId ?? ctx.account, region: input.PeerRegion ?? ctx.region };
    const peer = ctx.state.table<StoredVpc>("ec2", "vpcs").get(peerScope, input.PeerVpcId);
    const sameScope = peerScope.account === ctx.account && peerScope.region === ctx.region;
    if (!peer && sameScope) throw notFound("InvalidVpcID.NotFound", "vpc", input.PeerVpcId);
    if (peer && peer.VpcId === vpc.VpcId) throw ec2Error("InvalidParameterValue", "A VPC cannot be peered with itself.");
    checkDryRun(input);
    const id = newEc2Id("pcx");
    // An unknown peer in another account/region, or overlapping ranges, fail after the request as on AWS.
    const failed = !peer || overlaps(vpc, peer);
    const connection: VpcPeeringConnection = {
      VpcPeeringConnectionId: id,
      RequesterVpcInfo: vpcInfo(vpc, ctx.region),
      AccepterVpcInfo: peer ? vpcInfo(peer, peerScope.region) : { OwnerId: peerScope.account, VpcId: input.PeerVpcId, Region: peerScope.region },
      Status: failed
        ? { Code: "failed", Message: "Failed due to incorrect VPC-ID, Account ID or overlapping CIDR range" }
        : { Code: "pending-acceptance", Message: `Pending Acceptance by ${peerScope.account}` },
      ExpirationTime: timestamp(new Date(Date.now() + EXPIRY_MS)),
      Tags: tags,
    };
    save(ctx, connection);
    return { VpcPeeringConnection: connection };
  },

  AcceptVpcPeeringConnection: (input, ctx) => ({ VpcPeeringConnection: transition(ctx, input.VpcPeeringConnectionId, "accept", input.DryRun) }),
  RejectVpcPeeringConnection: (input, ctx) => {
    transition(ctx, input.VpcPeeringConnectionId, "reject", input.DryRun);
    return { Return: true };
  },
  DeleteVpcPeeringConnection: (input, ctx) => {
    transition(ctx, input.VpcPeeringConnectionId, "delete", input.DryRun);
    return { Return: true };
  },

  DescribeVpcPeeringConnections: (input, ctx) => {
    const scope = { account: ctx.account, region: ctx.region };
    let selected = table(ctx).list(scope);
    if (input.VpcPeeringConnectionIds && input.VpcPeeringConnectionIds.length > 0) {
      for (const id of input.VpcPeeringConnectionIds) {
        if (!table(ctx).has(scope, id)) throw notFound("InvalidVpcPeeringConnectionID.NotFound", "vpcPeeringConnection", id);
      }
      const ids = new Set(input.VpcPeeringConnectionIds);
      selected = selected.filter((c) => ids.has(c.VpcPeeringConnectionId ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "accepter-vpc-info.cidr-block": (c) => (c.AccepterVpcInfo?.CidrBlockSet ?? []).map((b) => b.CidrBlock),
        "accepter-vpc-info.owner-id": (c) => c.AccepterVpcInfo?.OwnerId,
        "accepter-vpc-info.vpc-id": (c) => c.AccepterVpcInfo?.VpcId,
        "expiration-time": (c) => (c.ExpirationTime as unknown as string | undefined),
        "requester-vpc-info.cidr-block": (c) => (c.RequesterVpcInfo?.CidrBlockSet ?? []).map((b) => b.CidrBlock),
        "requester-vpc-info.owner-id": (c) => c.RequesterVpcInfo?.OwnerId,
        "requester-vpc-info.vpc-id": (c) => c.RequesterVpcInfo?.VpcId,
        "status-code": (c) => c.Status?.Code,
        "status-message": (c) => c.Status?.Message,
        "vpc-peering-connection-id": (c) => c.VpcPeeringConnectionId,
      },
      (c) => c.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { VpcPeeringConnections: page.items, NextToken: page.nextToken };
  },
};
