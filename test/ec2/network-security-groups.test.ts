/** EC2 security groups through the SDK and CLI: duplicates, rules in both forms, rule ids, revokes, dependencies, filters. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  ModifySecurityGroupRulesCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
  CreateTagsCommand,
  GetSecurityGroupsForVpcCommand,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, clientConfig, startStratus, type RunningStratus } from "../support/server.ts";

const run = promisify(execFile);

describe("EC2 network: security groups", () => {
  let server: RunningStratus;
  let ec2: EC2Client;
  let vpcId: string;

  before(async () => {
    server = await startStratus();
    ec2 = new EC2Client(clientConfig(server.endpoint));
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  });
  after(async () => {
    ec2?.destroy();
    await server?.stop();
  });

  const group = async (id: string) => (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups![0]!;

  it("creates groups with the default egress rule and refuses duplicates and reserved names", async () => {
    const created = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "web tier", VpcId: vpcId, TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "tier", Value: "web" }] }] }));
    assert.match(created.GroupId ?? "", /^sg-[0-9a-f]{17}$/);
    assert.equal(created.SecurityGroupArn, `arn:aws:ec2:us-east-1:000000000000:security-group/${created.GroupId!}`);
    const web = await group(created.GroupId!);
    assert.deepEqual(web.IpPermissions, []);
    assert.deepEqual(web.IpPermissionsEgress?.map((p) => [p.IpProtocol, p.IpRanges?.[0]?.CidrIp]), [["-1", "0.0.0.0/0"]]);
    assert.deepEqual(web.Tags, [{ Key: "tier", Value: "web" }]);
    const duplicate = await sdkFailure(ec2.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "again", VpcId: vpcId })));
    assert.equal(duplicate.name, "InvalidGroup.Duplicate");
    assert.equal(duplicate.message, `The security group 'web' already exists for VPC '${vpcId}'`);
    assert.equal((await sdkFailure(ec2.send(new CreateSecurityGroupCommand({ GroupName: "default", Description: "x", VpcId: vpcId })))).name, "InvalidParameterValue");
    assert.equal((await sdkFailure(ec2.send(new CreateSecurityGroupCommand({ GroupName: "cafe", Description: "café", VpcId: vpcId })))).name, "InvalidParameterValue");
    // The same name is fine in another VPC (the default one when no VpcId is given).
    const elsewhere = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "web in default VPC" }));
    assert.notEqual(elsewhere.GroupId, created.GroupId);
    const unknown = await sdkFailure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ["sg-0123456789abcdef0"] })));
    assert.equal(unknown.name, "InvalidGroup.NotFound");
  });

  it("authorizes rules in both forms, gives them ids, and answers duplicates and missing revokes as AWS does", async () => {
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "api", Description: "api", VpcId: vpcId }))).GroupId!;
    const lb = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "lb", Description: "lb", VpcId: vpcId }))).GroupId!;
    const authorized = await ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }, { CidrIp: "10.0.0.0/8" }] },
        { IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: lb }] },
      ],
    }));
    assert.equal(authorized.Return, true);
    assert.equal(authorized.SecurityGroupRules?.length, 3);
    for (const rule of authorized.SecurityGroupRules ?? []) {
      assert.match(rule.SecurityGroupRuleId ?? "", /^sgr-[0-9a-f]{17}$/);
      assert.equal(rule.GroupId, groupId);
      assert.equal(rule.IsEgress, false);
    }
    // The legacy flat form (CidrIp/IpProtocol/FromPort/ToPort).
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIp: "192.0.2.0/24" }));
    const api = await group(groupId);
    const https = api.IpPermissions?.find((p) => p.FromPort === 443);
    assert.deepEqual(https?.IpRanges, [{ CidrIp: "0.0.0.0/0", Description: "https" }, { CidrIp: "10.0.0.0/8" }]);
    assert.deepEqual(api.IpPermissions?.find((p) => p.FromPort === 8080)?.UserIdGroupPairs?.map((p) => p.GroupId), [lb]);
    assert.deepEqual(api.IpPermissions?.find((p) => p.FromPort === 22)?.IpRanges?.map((r) => r.CidrIp), ["192.0.2.0/24"]);

    const duplicate = await sdkFailure(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "6", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] })));
    assert.equal(duplicate.name, "InvalidPermission.Duplicate");
    assert.equal(duplicate.message, 'the specified rule "peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW" already exists');
    const badPorts = await sdkFailure(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 90, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] })));
    assert.equal(badPorts.name, "InvalidParameterValue");

    const rules = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId] }] }))).SecurityGroupRules ?? [];
    assert.equal(rules.length, 5, "4 ingress + the default egress rule");
    const sshRule = rules.find((r) => r.FromPort === 22)!;
    assert.equal(sshRule.CidrIpv4, "192.0.2.0/24");
    const byId = (await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [sshRule.SecurityGroupRuleId!] }))).SecurityGroupRules ?? [];
    assert.deepEqual(byId.map((r) => r.SecurityGroupRuleId), [sshRule.SecurityGroupRuleId]);
    await ec2.send(new CreateTagsCommand({ Resources: [sshRule.SecurityGroupRuleId!], Tags: [{ Key: "purpose", Value: "ssh" }] }));
    const tagged = (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "tag:purpose", Values: ["ssh"] }] }))).SecurityGroupRules ?? [];
    assert.deepEqual(tagged.map((r) => r.SecurityGroupRuleId), [sshRule.SecurityGroupRuleId]);

    await ec2.send(new ModifySecurityGroupRulesCommand({ GroupId: groupId, SecurityGroupRules: [{ SecurityGroupRuleId: sshRule.SecurityGroupRuleId!, SecurityGroupRule: { IpProtocol: "tcp", FromPort: 2222, ToPort: 2222, CidrIpv4: "198.51.100.0/24", Description: "alt ssh" } }] }));
    const [modified] = (await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [sshRule.SecurityGroupRuleId!] }))).SecurityGroupRules ?? [];
    assert.deepEqual([modified?.FromPort, modified?.CidrIpv4, modified?.Description], [2222, "198.51.100.0/24", "alt ssh"]);

    await ec2.send(new UpdateSecurityGroupRuleDescriptionsIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "internal" }] }] }));
    assert.deepEqual((await group(groupId)).IpPermissions?.find((p) => p.FromPort === 443)?.IpRanges?.find((r) => r.CidrIp === "10.0.0.0/8")?.Description, "internal");

    const missing = await sdkFailure(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "udp", FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] })));
    assert.equal(missing.name, "InvalidPermission.NotFound");
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [sshRule.SecurityGroupRuleId!] }));
    const left = (await group(groupId)).IpPermissions ?? [];
    assert.deepEqual(left.map((p) => [p.FromPort, (p.IpRanges ?? []).map((r) => r.CidrIp), (p.UserIdGroupPairs ?? []).map((u) => u.GroupId)]), [[443, ["10.0.0.0/8"], []], [8080, [], [lb]]]);

    // Egress: remove the default all-traffic rule and allow only HTTPS out.
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    assert.deepEqual((await group(groupId)).IpPermissionsEgress?.map((p) => [p.IpProtocol, p.FromPort]), [["tcp", 443]]);

    // The lb group is referenced by api's rule: it cannot go until the rule does.
    const referenced = await sdkFailure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: lb })));
    assert.equal(referenced.name, "DependencyViolation");
    assert.equal(referenced.message, `resource ${lb} has a dependent object`);
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: lb }] }] }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: lb }));
  });

  it("filters groups by name, vpc, ip-permission fields and tags", async () => {
    const db = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "db-primary", Description: "db", VpcId: vpcId }))).GroupId!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: db, IpPermissions: [{ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: "10.0.1.0/24" }] }] }));
    const byName = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["db-*"] }] }))).SecurityGroups ?? [];
    assert.deepEqual(byName.map((g) => g.GroupId), [db]);
    const byPort = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "ip-permission.from-port", Values: ["5432"] }, { Name: "ip-permission.cidr", Values: ["10.0.1.*"] }] }))).SecurityGroups ?? [];
    assert.deepEqual(byPort.map((g) => g.GroupId), [db]);
    const egressAll = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "egress.ip-permission.protocol", Values: ["-1"] }] }))).SecurityGroups ?? [];
    assert.ok(egressAll.some((g) => g.GroupId === db));
    assert.ok(egressAll.every((g) => g.VpcId === vpcId));
    const tagged = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "tag:tier", Values: ["web"] }] }))).SecurityGroups ?? [];
    assert.deepEqual(tagged.map((g) => g.GroupName), ["web"]);
    const forVpc = (await ec2.send(new GetSecurityGroupsForVpcCommand({ VpcId: vpcId, Filters: [{ Name: "group-name", Values: ["db-*", "default"] }] }))).SecurityGroupForVpcs ?? [];
    assert.deepEqual(forVpc.map((g) => [g.GroupName, g.PrimaryVpcId]).sort(), [["db-primary", vpcId], ["default", vpcId]]);
  });

  it("refuses to delete the default group and groups still used by an interface", async () => {
    const [defaultGroup] = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "group-name", Values: ["default"] }] }))).SecurityGroups ?? [];
    const cannot = await sdkFailure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: defaultGroup!.GroupId! })));
    assert.equal(cannot.name, "CannotDelete");
    const app = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "app", Description: "app", VpcId: vpcId }))).GroupId!;
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.0.9.0/24" }))).Subnet!.SubnetId!;
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [app] }))).NetworkInterface!;
    assert.equal((await sdkFailure(ec2.send(new DeleteSecurityGroupCommand({ GroupId: app })))).name, "DependencyViolation");
    const six: string[] = [];
    for (let i = 0; i < 6; i++) six.push((await ec2.send(new CreateSecurityGroupCommand({ GroupName: `many-${i}`, Description: "x", VpcId: vpcId }))).GroupId!);
    const tooMany = await sdkFailure(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: six })));
    assert.equal(tooMany.name, "SecurityGroupsPerInterfaceLimitExceeded");
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId! }));
    const deleted = await ec2.send(new DeleteSecurityGroupCommand({ GroupId: app }));
    assert.equal(deleted.GroupId, app);
    assert.equal((await sdkFailure(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [app] })))).name, "InvalidGroup.NotFound");
  });

  it("works with the AWS CLI's flat authorize form and its duplicate error", async () => {
    const env = cliEnv(server.endpoint);
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "cli", Description: "cli", VpcId: vpcId }))).GroupId!;
    const ok = await run("aws", ["ec2", "authorize-security-group-ingress", "--group-id", groupId, "--protocol", "tcp", "--port", "80", "--cidr", "0.0.0.0/0", "--output", "json"], { env });
    assert.match(ok.stdout, /"SecurityGroupRuleId": "sgr-[0-9a-f]{17}"/);
    const again = await run("aws", ["ec2", "authorize-security-group-ingress", "--group-id", groupId, "--protocol", "tcp", "--port", "80", "--cidr", "0.0.0.0/0"], { env }).catch((error: { stderr: string }) => error);
    assert.match(again.stderr, /InvalidPermission\.Duplicate/);
  });
});
