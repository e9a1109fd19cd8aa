/** EC2 network state across a restart: the default VPC is not rebuilt, address leases and rules survive. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeAddressesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { clientConfig, startStratus, tempDataDir } from "../support/server.ts";

describe("EC2 network across a restart", () => {
  it("keeps the default VPC, leases, Elastic IPs and rules in the data directory", async () => {
    const data = tempDataDir();
    try {
      const first = await startStratus({ dataDir: data.dir });
      const ec2 = new EC2Client(clientConfig(first.endpoint));
      const [vpc] = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
      const [subnet] = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }, { Name: "availability-zone", Values: ["us-east-1a"] }] }))).Subnets ?? [];
      const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet!.SubnetId! }))).NetworkInterface!;
      const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
      const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "kept", Description: "kept" }))).GroupId!;
      const rule = (await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "192.0.2.0/24" }] }] }))).SecurityGroupRules![0]!;
      ec2.destroy();
      await first.stop();

      const second = await startStratus({ dataDir: data.dir });
      const again = new EC2Client(clientConfig(second.endpoint));
      try {
        const vpcs = (await again.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
        assert.deepEqual(vpcs.map((v) => v.VpcId), [vpc!.VpcId], "the same default VPC, not a second one");
        // The lease of the interface's address survived: the same address is refused.
        const taken = await sdkFailure(again.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet!.SubnetId!, PrivateIpAddress: eni.PrivateIpAddress! })));
        assert.equal(taken.name, "InvalidIPAddress.InUse");
        const [counted] = (await again.send(new DescribeSubnetsCommand({ SubnetIds: [subnet!.SubnetId!] }))).Subnets ?? [];
        assert.equal(counted?.AvailableIpAddressCount, 4090);
        const addresses = (await again.send(new DescribeAddressesCommand({}))).Addresses ?? [];
        assert.deepEqual(addresses.map((a) => a.PublicIp), [eip.PublicIp]);
        const rules = (await again.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [rule.SecurityGroupRuleId!] }))).SecurityGroupRules ?? [];
        assert.equal(rules[0]?.CidrIpv4, "192.0.2.0/24");
      } finally {
        again.destroy();
        await second.stop();
      }
    } finally {
      data.remove();
    }
  });
});
