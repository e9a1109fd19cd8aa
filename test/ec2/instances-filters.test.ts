/** DescribeInstances filters (each family, wildcards, tags, AND/OR) and paging over many instances, through the SDK. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateKeyPairCommand,
  CreatePlacementGroupCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  EC2Client,
  paginateDescribeInstances,
  RunInstancesCommand,
  StopInstancesCommand,
  waitUntilInstanceStopped,
  type Filter,
  type Instance,
} from "@aws-sdk/client-ec2";
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { clientConfig, type RunningStratus } from "../support/server.ts";
import { errorOf, linuxImage, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;
let web: Instance[] = [];
let app: Instance[] = [];
let lone: Instance | undefined;
let vpcId = "";
let subnetId = "";
let groupId = "";
let profileArn = "";

const ids = (instances: Instance[]): string[] => instances.map((i) => i.InstanceId ?? "").sort();

async function matching(...filters: Filter[]): Promise<string[]> {
  const out = await ec2.send(new DescribeInstancesCommand({ Filters: filters }));
  return ids((out.Reservations ?? []).flatMap((r) => r.Instances ?? []));
}

const f = (Name: string, ...Values: string[]): Filter => ({ Name, Values });

before(async () => {
  ({ server, ec2 } = await startEc2());
  const imageId = await linuxImage(ec2);
  const iam = new IAMClient(clientConfig(server.endpoint));
  await iam.send(new CreateRoleCommand({ RoleName: "web-role", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }));
  const profile = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "web-profile" }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "web-profile", RoleName: "web-role" }));
  profileArn = profile.InstanceProfile?.Arn ?? "";
  iam.destroy();

  await ec2.send(new CreateKeyPairCommand({ KeyName: "ops" }));
  await ec2.send(new CreatePlacementGroupCommand({ GroupName: "hpc", Strategy: "cluster" }));
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc?.VpcId ?? "";
  subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1b" }))).Subnet?.SubnetId ?? "";
  groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "app-sg", Description: "app", VpcId: vpcId }))).GroupId ?? "";

  web = (await ec2.send(new RunInstancesCommand({
    ImageId: imageId, InstanceType: "t3.micro", MinCount: 3, MaxCount: 3, KeyName: "ops",
    Placement: { AvailabilityZone: "us-east-1a" }, IamInstanceProfile: { Arn: profileArn },
    TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "web-server" }, { Key: "env", Value: "prod" }] }],
  }))).Instances ?? [];
  app = (await ec2.send(new RunInstancesCommand({
    ImageId: imageId, InstanceType: "t3.small", MinCount: 2, MaxCount: 2, SubnetId: subnetId, SecurityGroupIds: [groupId],
    Placement: { GroupName: "hpc" },
    TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "app-server" }, { Key: "env", Value: "dev" }] }],
  }))).Instances ?? [];
  [lone] = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.nano", MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: "us-east-1c" } }))).Instances ?? [];
  await new Promise((r) => setTimeout(r, 400));
  await ec2.send(new StopInstancesCommand({ InstanceIds: [lone?.InstanceId ?? ""] }));
  await waitUntilInstanceStopped({ client: ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { InstanceIds: [lone?.InstanceId ?? ""] });
});
after(async () => {
  ec2?.destroy();
  await server?.stop();
});

describe("DescribeInstances filters", () => {
  it("filters by identity, type, image, state and reservation", async () => {
    const loneId = lone?.InstanceId ?? "";
    assert.deepEqual(await matching(f("instance-id", loneId)), [loneId]);
    assert.deepEqual(await matching(f("instance-type", "t3.small")), ids(app));
    assert.deepEqual(await matching(f("instance-type", "t3.micro", "t3.nano")), ids([...web, lone as Instance]), "values are ORed");
    assert.deepEqual(await matching(f("instance-state-name", "stopped")), [loneId]);
    assert.deepEqual(await matching(f("instance-state-code", "80")), [loneId]);
    assert.deepEqual(await matching(f("instance-state-name", "running")), ids([...web, ...app]));
    assert.equal((await matching(f("image-id", web[0]?.ImageId ?? ""))).length, 6);
    const reservation = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [app[0]?.InstanceId ?? ""] }))).Reservations?.[0]?.ReservationId ?? "";
    assert.deepEqual(await matching(f("reservation-id", reservation)), ids(app));
    assert.equal((await matching(f("owner-id", "000000000000"))).length, 6);
    assert.deepEqual(await matching(f("architecture", "x86_64"), f("instance-type", "t3.nano")), [loneId], "filters are ANDed");
    assert.deepEqual(await matching(f("platform", "windows")), []);
    assert.deepEqual(await matching(f("key-name", "ops")), ids(web));
    assert.deepEqual(await matching(f("iam-instance-profile.arn", profileArn)), ids(web));
    assert.deepEqual(await matching(f("tenancy", "default"), f("instance-type", "t3.small")), ids(app));
    assert.deepEqual(await matching(f("placement-group-name", "hpc")), ids(app));
    assert.deepEqual(await matching(f("cpu-options.threads-per-core", "2"), f("instance-type", "t3.small")), ids(app));
    assert.deepEqual(await matching(f("cpu-options.core-count", "8")), []);
    assert.equal((await matching(f("metadata-options.http-tokens", "required"), f("private-dns-name-options.hostname-type", "ip-name"))).length, 6);
  });

  it("filters by network: VPC, subnet, zone, addresses, DNS names, groups and interfaces", async () => {
    assert.deepEqual(await matching(f("vpc-id", vpcId)), ids(app));
    assert.deepEqual(await matching(f("subnet-id", subnetId)), ids(app));
    assert.deepEqual(await matching(f("availability-zone", "us-east-1a")), ids(web));
    assert.deepEqual(await matching(f("availability-zone", "us-east-1?")), ids([...web, ...app, lone as Instance]));
    assert.deepEqual(await matching(f("private-ip-address", "10.0.1.*")), ids(app));
    assert.deepEqual(await matching(f("private-ip-address", app[0]?.PrivateIpAddress ?? "")), [app[0]?.InstanceId ?? ""]);
    assert.deepEqual(await matching(f("private-dns-name", web[1]?.PrivateDnsName ?? "")), [web[1]?.InstanceId ?? ""]);
    const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [web[0]?.InstanceId ?? ""] }))).Reservations?.[0]?.Instances?.[0];
    assert.ok(described?.PublicIpAddress);
    assert.deepEqual(await matching(f("ip-address", described?.PublicIpAddress ?? "")), [described?.InstanceId ?? ""]);
    assert.deepEqual(await matching(f("dns-name", described?.PublicDnsName ?? "")), [described?.InstanceId ?? ""]);
    assert.deepEqual(await matching(f("ip-address", "*")), ids(web), "only the default subnet maps public IPs; the stopped one lost its IP");
    assert.deepEqual(await matching(f("group-id", groupId)), ids(app));
    assert.deepEqual(await matching(f("instance.group-name", "app-sg")), ids(app));
    assert.deepEqual(await matching(f("group-name", "default")), ids([...web, lone as Instance]));
    const eni = app[1]?.NetworkInterfaces?.[0]?.NetworkInterfaceId ?? "";
    assert.deepEqual(await matching(f("network-interface.network-interface-id", eni)), [app[1]?.InstanceId ?? ""]);
    assert.deepEqual(await matching(f("network-interface.subnet-id", subnetId)), ids(app));
    assert.deepEqual(await matching(f("network-interface.addresses.private-ip-address", "10.0.1.*")), ids(app));
    assert.deepEqual(await matching(f("network-interface.group-id", groupId)), ids(app));
  });

  it("filters by tags with wildcards, and by launch time", async () => {
    assert.deepEqual(await matching(f("tag:Name", "web-*")), ids(web));
    assert.deepEqual(await matching(f("tag:Name", "*-server")), ids([...web, ...app]));
    assert.deepEqual(await matching(f("tag:env", "dev", "prod")), ids([...web, ...app]));
    assert.deepEqual(await matching(f("tag-key", "env")), ids([...web, ...app]));
    assert.deepEqual(await matching(f("tag-value", "prod")), ids(web));
    assert.deepEqual(await matching(f("tag:Name", "WEB-*")), [], "matching is case-sensitive");
    const day = new Date().toISOString().slice(0, 10);
    assert.equal((await matching(f("launch-time", `${day}*`))).length, 6);
    assert.deepEqual(await matching(f("launch-time", "1999-*")), []);
    const unknown = await errorOf(ec2.send(new DescribeInstancesCommand({ Filters: [f("no-such-filter", "x")] })));
    assert.equal(unknown.name, "InvalidParameterValue");
  });

  it("filters DescribeInstanceStatus", async () => {
    const out = await ec2.send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true, Filters: [f("instance-state-name", "stopped")] }));
    assert.deepEqual(out.InstanceStatuses?.map((s) => s.InstanceId), [lone?.InstanceId]);
    const zone = await ec2.send(new DescribeInstanceStatusCommand({ Filters: [f("availability-zone", "us-east-1b")] }));
    assert.deepEqual((zone.InstanceStatuses ?? []).map((s) => s.InstanceId ?? "").sort(), ids(app));
  });
});

describe("DescribeInstances paging", () => {
  it("pages 30 instances by MaxResults and NextToken, and the SDK paginator sees each once", async () => {
    const imageId = web[0]?.ImageId ?? "";
    await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 30, MaxCount: 30, TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "batch", Value: "paging" }] }] }));
    const filter = [f("tag:batch", "paging")];
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await ec2.send(new DescribeInstancesCommand({ Filters: filter, MaxResults: 7, NextToken: token }));
      const instances = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      assert.ok(instances.length <= 7);
      seen.push(...instances.map((i) => i.InstanceId ?? ""));
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 5);
    assert.equal(new Set(seen).size, 30);

    const viaPaginator: string[] = [];
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 10 }, { Filters: filter })) {
      viaPaginator.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? ""));
    }
    assert.deepEqual(viaPaginator.sort(), [...seen].sort());

    const small = await errorOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 4 })));
    assert.equal(small.name, "InvalidParameterValue");
    const large = await errorOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 1001 })));
    assert.equal(large.name, "InvalidParameterValue");
    const token2 = await errorOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken: "not-a-token" })));
    assert.equal(token2.name, "InvalidParameterValue");
  });
});
