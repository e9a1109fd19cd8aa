/** The network family's contract for other EC2 families (network/api.ts), called directly with a handler context. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Ec2Operations } from "../../src/generated/ec2.ts";
import { defineService } from "../../src/services/service-types.ts";
import { networkHandlers } from "../../src/services/ec2/network/handlers.ts";
import {
  attachLaunchNetwork,
  ensureDefaultVpc,
  instanceNetworkView,
  onInstanceStateChange,
  releaseInstanceNetwork,
  setInstanceGroups,
} from "../../src/services/ec2/network/api.ts";
import { caller, makeContext } from "../services/handler-context.ts";

const call = caller<Ec2Operations>(defineService<Ec2Operations>("ec2", networkHandlers));
/** The EC2 error code a contract function throws (its HTTP status is the codec's business). */
function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  throw new Error("expected the call to throw");
}

describe("network/api.ts", () => {
  it("creates the default VPC once per account and region", async () => {
    const ctx = makeContext({ service: "ec2" });
    const first = ensureDefaultVpc(ctx);
    assert.match(first, /^vpc-[0-9a-f]{17}$/);
    assert.equal(ensureDefaultVpc(ctx), first);
    const other = makeContext({ service: "ec2", account: "111111111111", state: ctx.state });
    assert.notEqual(ensureDefaultVpc(other), first);
    const vpcs = (await call("DescribeVpcs", {}, ctx)).Vpcs ?? [];
    assert.deepEqual(vpcs.map((v) => v.VpcId), [first]);
  });

  it("places a launch in the zone's default subnet and validates what it is given", async () => {
    const ctx = makeContext({ service: "ec2" });
    const network = attachLaunchNetwork(ctx, { instanceId: "i-00000000000000001", availabilityZone: "us-east-1b" });
    assert.equal(network.availabilityZone, "us-east-1b");
    assert.match(network.privateIpAddress, /^172\.31\.16\.\d+$/, "us-east-1b's default subnet is 172.31.16.0/20");
    assert.equal(network.privateDnsName, `ip-${network.privateIpAddress.replaceAll(".", "-")}.ec2.internal`);
    assert.deepEqual(network.groups.map((g) => g.GroupName), ["default"]);

    assert.equal(codeOf(() => attachLaunchNetwork(ctx, { instanceId: "i-00000000000000002", subnetId: "subnet-0123456789abcdef0" })), "InvalidSubnetID.NotFound");
    assert.equal(codeOf(() => attachLaunchNetwork(ctx, { instanceId: "i-00000000000000002", securityGroupIds: ["sg-0123456789abcdef0"] })), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => attachLaunchNetwork(ctx, { instanceId: "i-00000000000000002", subnetId: network.subnetId, privateIpAddress: network.privateIpAddress })), "InvalidIPAddress.InUse");
    assert.equal(codeOf(() => attachLaunchNetwork(ctx, { instanceId: "i-00000000000000002", subnetId: network.subnetId, privateIpAddress: "10.0.0.5" })), "InvalidParameterValue");
    assert.equal(codeOf(() => attachLaunchNetwork(ctx, { instanceId: "i-00000000000000002", subnetId: network.subnetId, networkInterfaces: [{ DeviceIndex: 0 }] })), "InvalidParameterCombination");
    // A failed launch leaves no interface behind.
    const enis = (await call("DescribeNetworkInterfaces", {}, ctx)).NetworkInterfaces ?? [];
    assert.equal(enis.length, 1);
  });

  it("follows stop, start and terminate", async () => {
    const ctx = makeContext({ service: "ec2" });
    const id = "i-00000000000000003";
    attachLaunchNetwork(ctx, { instanceId: id });
    const running = instanceNetworkView(ctx, id);
    assert.ok(running.publicIpAddress);
    assert.equal(running.networkInterfaces.length, 1);
    onInstanceStateChange(ctx, id, "stopped");
    assert.equal(instanceNetworkView(ctx, id).publicIpAddress, undefined);
    assert.equal(instanceNetworkView(ctx, id).privateIpAddress, running.privateIpAddress);
    onInstanceStateChange(ctx, id, "running");
    const restarted = instanceNetworkView(ctx, id);
    assert.ok(restarted.publicIpAddress);
    assert.notEqual(restarted.publicIpAddress, running.publicIpAddress);

    const groupId = (await call("CreateSecurityGroup", { GroupName: "swap", Description: "swap" }, ctx)).GroupId!;
    assert.deepEqual(setInstanceGroups(ctx, id, [groupId]).map((g) => g.GroupName), ["swap"]);
    assert.deepEqual(instanceNetworkView(ctx, id).groups.map((g) => g.GroupId), [groupId]);

    releaseInstanceNetwork(ctx, id);
    assert.deepEqual(instanceNetworkView(ctx, id), { networkInterfaces: [], groups: [] });
    const enis = (await call("DescribeNetworkInterfaces", {}, ctx)).NetworkInterfaces ?? [];
    assert.equal(enis.length, 0);
    // The address is free again.
    const again = attachLaunchNetwork(ctx, { instanceId: "i-00000000000000004", subnetId: running.subnetId!, privateIpAddress: running.privateIpAddress! });
    assert.equal(again.privateIpAddress, running.privateIpAddress);
  });

  it("names hosts after the instance in subnets with resource-based hostnames", async () => {
    const ctx = makeContext({ service: "ec2" });
    const vpcId = (await call("CreateVpc", { CidrBlock: "10.9.0.0/16" }, ctx)).Vpc!.VpcId!;
    const subnetId = (await call("CreateSubnet", { VpcId: vpcId, CidrBlock: "10.9.0.0/24" }, ctx)).Subnet!.SubnetId!;
    await call("ModifySubnetAttribute", { SubnetId: subnetId, PrivateDnsHostnameTypeOnLaunch: "resource-name" }, ctx);
    const network = attachLaunchNetwork(ctx, { instanceId: "i-0123456789abcdef0", subnetId });
    assert.equal(network.privateDnsName, "i-0123456789abcdef0.ec2.internal");
    assert.match(network.privateIpAddress, /^10\.9\.0\.\d+$/);
  });

  it("answers VPCIdNotSpecified once the default VPC is gone", async () => {
    const ctx = makeContext({ service: "ec2" });
    const vpcId = ensureDefaultVpc(ctx);
    for (const subnet of (await call("DescribeSubnets", {}, ctx)).Subnets ?? []) await call("DeleteSubnet", { SubnetId: subnet.SubnetId! }, ctx);
    const [igw] = (await call("DescribeInternetGateways", {}, ctx)).InternetGateways ?? [];
    await call("DetachInternetGateway", { InternetGatewayId: igw!.InternetGatewayId!, VpcId: vpcId }, ctx);
    await call("DeleteVpc", { VpcId: vpcId }, ctx);
    assert.equal(codeOf(() => attachLaunchNetwork(ctx, { instanceId: "i-00000000000000005" })), "VPCIdNotSpecified");
  });
});
