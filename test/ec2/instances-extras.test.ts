/** CPU credit options and IAM instance profile associations of instances, as Terraform reads and changes them. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AssociateIamInstanceProfileCommand,
  AllocateHostsCommand,
  CreateKeyPairCommand,
  DescribeHostsCommand,
  ModifyInstancePlacementCommand,
  StopInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  CreateSecurityGroupCommand,
  DescribeImagesCommand,
  GetPasswordDataCommand,
  waitUntilInstanceStatusOk,
  DescribeInstanceAttributeCommand,
  ModifyInstanceAttributeCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceCreditSpecificationsCommand,
  DescribeInstancesCommand,
  DisassociateIamInstanceProfileCommand,
  EC2Client,
  ModifyInstanceCreditSpecificationCommand,
  ModifyInstanceMetadataOptionsCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateInstanceProfileCommand, IAMClient } from "@aws-sdk/client-iam";
import { clientConfig, type RunningStratus } from "../support/server.ts";
import { errorOf, linuxImage, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;
let imageId = "";
const profiles: Record<string, string> = {};

before(async () => {
  ({ server, ec2 } = await startEc2());
  imageId = await linuxImage(ec2);
  const iam = new IAMClient(clientConfig(server.endpoint));
  for (const name of ["app-a", "app-b"]) profiles[name] = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile?.Arn ?? "";
  iam.destroy();
});
after(async () => {
  ec2?.destroy();
  await server?.stop();
});

async function run(instanceType: "t2.micro" | "t3.micro" | "m5.large", extra: Partial<ConstructorParameters<typeof RunInstancesCommand>[0]> = {}): Promise<string> {
  const out = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: instanceType, MinCount: 1, MaxCount: 1, ...extra }));
  return out.Instances?.[0]?.InstanceId ?? "";
}

describe("CPU credit specifications", () => {
  it("defaults to standard for T2 and unlimited for T3, follows CreditSpecification and Modify, refuses non-burstable types", async () => {
    const t2 = await run("t2.micro");
    const t3 = await run("t3.micro");
    const t3standard = await run("t3.micro", { CreditSpecification: { CpuCredits: "standard" } });
    const m5 = await run("m5.large");
    const out = await ec2.send(new DescribeInstanceCreditSpecificationsCommand({ InstanceIds: [t2, t3, t3standard] }));
    assert.deepEqual(out.InstanceCreditSpecifications, [
      { InstanceId: t2, CpuCredits: "standard" },
      { InstanceId: t3, CpuCredits: "unlimited" },
      { InstanceId: t3standard, CpuCredits: "standard" },
    ]);
    const refused = await errorOf(ec2.send(new DescribeInstanceCreditSpecificationsCommand({ InstanceIds: [m5] })));
    assert.equal(refused.name, "UnsupportedOperation");
    const modified = await ec2.send(new ModifyInstanceCreditSpecificationCommand({ InstanceCreditSpecifications: [{ InstanceId: t2, CpuCredits: "unlimited" }, { InstanceId: m5, CpuCredits: "unlimited" }] }));
    assert.deepEqual(modified.SuccessfulInstanceCreditSpecifications, [{ InstanceId: t2 }]);
    assert.equal(modified.UnsuccessfulInstanceCreditSpecifications?.[0]?.InstanceId, m5);
    const after = await ec2.send(new DescribeInstanceCreditSpecificationsCommand({ InstanceIds: [t2] }));
    assert.equal(after.InstanceCreditSpecifications?.[0]?.CpuCredits, "unlimited");
    const all = await ec2.send(new DescribeInstanceCreditSpecificationsCommand({}));
    assert.deepEqual((all.InstanceCreditSpecifications ?? []).map((s) => s.InstanceId).sort(), [t2, t3, t3standard].sort(), "only burstable instances are listed");
  });
});

describe("IAM instance profile associations", () => {
  it("associates at launch, replaces, disassociates and re-associates", async () => {
    const id = await run("t3.micro", { IamInstanceProfile: { Name: "app-a" } });
    const launched = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [id] }] }));
    const association = launched.IamInstanceProfileAssociations?.[0];
    assert.match(association?.AssociationId ?? "", /^iip-assoc-[0-9a-f]{17}$/);
    assert.equal(association?.IamInstanceProfile?.Arn, profiles["app-a"]);
    assert.equal(association?.State, "associated");

    const twice = await errorOf(ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: id, IamInstanceProfile: { Name: "app-b" } })));
    assert.equal(twice.name, "IncorrectState");
    const replaced = await ec2.send(new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: association?.AssociationId, IamInstanceProfile: { Arn: profiles["app-b"] } }));
    assert.equal(replaced.IamInstanceProfileAssociation?.State, "associating");
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    assert.equal(instance?.IamInstanceProfile?.Arn, profiles["app-b"]);

    const gone = await ec2.send(new DisassociateIamInstanceProfileCommand({ AssociationId: replaced.IamInstanceProfileAssociation?.AssociationId }));
    assert.equal(gone.IamInstanceProfileAssociation?.State, "disassociating");
    const bare = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    assert.equal(bare?.IamInstanceProfile, undefined);
    const unknown = await errorOf(ec2.send(new DisassociateIamInstanceProfileCommand({ AssociationId: "iip-assoc-0123456789abcdef0" })));
    assert.equal(unknown.name, "InvalidAssociationID.NotFound");

    const again = await ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: id, IamInstanceProfile: { Name: "app-a" } }));
    assert.equal(again.IamInstanceProfileAssociation?.IamInstanceProfile?.Arn, profiles["app-a"]);
    const missing = await errorOf(ec2.send(new AssociateIamInstanceProfileCommand({ InstanceId: id, IamInstanceProfile: { Name: "nope" } })));
    assert.equal(missing.name, "IncorrectState", "the existing association is checked first");
  });
});

describe("security groups of a running instance", () => {
  it("replaces the instance's groups with ModifyInstanceAttribute groupSet", async () => {
    const id = await run("t3.micro");
    const vpcId = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.VpcId ?? "";
    const a = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "extra-a", Description: "a", VpcId: vpcId }))).GroupId ?? "";
    const b = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "extra-b", Description: "b", VpcId: vpcId }))).GroupId ?? "";
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: [a, b] }));
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    assert.deepEqual(instance?.SecurityGroups?.map((g) => g.GroupName).sort(), ["extra-a", "extra-b"]);
    const attribute = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "groupSet" }));
    assert.deepEqual(attribute.Groups?.map((g) => g.GroupId).sort(), [a, b].sort());
    const unknown = await errorOf(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: ["sg-0123456789abcdef0"] })));
    assert.equal(unknown.name, "InvalidGroup.NotFound");
  });
});

describe("Windows passwords", () => {
  it("answers empty PasswordData until the first boot, then the password encrypted with the key pair", async () => {
    const key = await ec2.send(new CreateKeyPairCommand({ KeyName: "win-key", KeyType: "rsa", KeyFormat: "pem" }));
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], Filters: [{ Name: "name", Values: ["Windows_Server-2022-English-Full-Base-*"] }] }));
    const windowsImage = images.Images?.[0]?.ImageId ?? "";
    assert.match(windowsImage, /^ami-/);
    const out = await ec2.send(new RunInstancesCommand({ ImageId: windowsImage, InstanceType: "t3.medium", MinCount: 1, MaxCount: 1, KeyName: "win-key" }));
    const id = out.Instances?.[0]?.InstanceId ?? "";
    assert.equal(out.Instances?.[0]?.Platform, "windows");
    assert.equal((await ec2.send(new GetPasswordDataCommand({ InstanceId: id }))).PasswordData, "");
    await waitUntilInstanceStatusOk({ client: ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
    const first = await ec2.send(new GetPasswordDataCommand({ InstanceId: id }));
    assert.ok(first.PasswordData, "the password is there after the first boot");
    assert.equal((await ec2.send(new GetPasswordDataCommand({ InstanceId: id }))).PasswordData, first.PasswordData, "it does not change");
    const dir = mkdtempSync(join(tmpdir(), "win-pass-"));
    try {
      writeFileSync(join(dir, "key.pem"), key.KeyMaterial ?? "");
      writeFileSync(join(dir, "data.bin"), Buffer.from(first.PasswordData ?? "", "base64"));
      const password = execFileSync("openssl", ["pkeyutl", "-decrypt", "-inkey", join(dir, "key.pem"), "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", join(dir, "data.bin")]).toString();
      assert.equal(password.length, 32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const linux = await run("t3.micro", { KeyName: "win-key" });
    assert.equal((await ec2.send(new GetPasswordDataCommand({ InstanceId: linux }))).PasswordData, "");
  });
});

describe("instance placement", () => {
  it("moves a stopped instance onto a dedicated host and back with ModifyInstancePlacement", async () => {
    const hostId = (await ec2.send(new AllocateHostsCommand({ AvailabilityZone: "us-east-1a", InstanceType: "m5.large", Quantity: 1 }))).HostIds?.[0] ?? "";
    const id = await run("m5.large", { Placement: { AvailabilityZone: "us-east-1a" } });
    const running = await errorOf(ec2.send(new ModifyInstancePlacementCommand({ InstanceId: id, HostId: hostId })));
    assert.equal(running.name, "IncorrectInstanceState");
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceStopped({ client: ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { InstanceIds: [id] });
    assert.equal((await ec2.send(new ModifyInstancePlacementCommand({ InstanceId: id, HostId: hostId }))).Return, true);
    const placed = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    assert.equal(placed?.Placement?.HostId, hostId);
    assert.equal(placed?.Placement?.Tenancy, "host");
    const host = (await ec2.send(new DescribeHostsCommand({ HostIds: [hostId] }))).Hosts?.[0];
    assert.deepEqual(host?.Instances?.map((i) => i.InstanceId), [id]);
    await ec2.send(new ModifyInstancePlacementCommand({ InstanceId: id, Tenancy: "default" }));
    const back = (await ec2.send(new DescribeHostsCommand({ HostIds: [hostId] }))).Hosts?.[0];
    assert.deepEqual(back?.Instances ?? [], []);
    const unknown = await errorOf(ec2.send(new ModifyInstancePlacementCommand({ InstanceId: id, GroupName: "no-such-group" })));
    assert.equal(unknown.name, "InvalidPlacementGroup.Unknown");
  });
});

describe("spot instances", () => {
  it("marks instances launched with InstanceMarketOptions spot", async () => {
    const spot = await run("t3.micro", { InstanceMarketOptions: { MarketType: "spot" } });
    const onDemand = await run("t3.micro");
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [spot, onDemand], Filters: [{ Name: "instance-lifecycle", Values: ["spot"] }] }));
    const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    assert.deepEqual(instances.map((i) => [i.InstanceId, i.InstanceLifecycle]), [[spot, "spot"]]);
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { InstanceIds: [spot] });
    const stop = await errorOf(ec2.send(new StopInstancesCommand({ InstanceIds: [spot] })));
    assert.equal(stop.name, "UnsupportedOperation", "a one-time Spot Instance cannot be stopped");
    const persistent = await run("t3.micro", { InstanceMarketOptions: { MarketType: "spot", SpotOptions: { SpotInstanceType: "persistent", InstanceInterruptionBehavior: "stop" } } });
    await waitUntilInstanceRunning({ client: ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 }, { InstanceIds: [persistent] });
    const stopping = await ec2.send(new StopInstancesCommand({ InstanceIds: [persistent] }));
    assert.equal(stopping.StoppingInstances?.[0]?.CurrentState?.Name, "stopping");
  });
});

describe("instance metadata options", () => {
  it("changes IMDS settings after launch", async () => {
    const id = await run("t3.micro", { MetadataOptions: { HttpTokens: "optional" } });
    const out = await ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpTokens: "required", HttpPutResponseHopLimit: 3 }));
    assert.equal(out.InstanceMetadataOptions?.HttpTokens, "required");
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    assert.equal(instance?.MetadataOptions?.HttpPutResponseHopLimit, 3);
    const bad = await errorOf(ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: id, HttpPutResponseHopLimit: 65 })));
    assert.equal(bad.name, "InvalidParameterValue");
  });
});
