/** EC2 instances through the SDK: lifecycle and waiters, state reasons, attributes, console output, idempotency, DryRun and errors. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeInstanceStatusCommand,
  DescribeNetworkInterfacesCommand,
  EC2Client,
  GetConsoleOutputCommand,
  ModifyInstanceAttributeCommand,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStatusOk,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  type Instance,
  type _InstanceType,
} from "@aws-sdk/client-ec2";
import type { RunningStratus } from "../support/server.ts";
import { errorOf, linuxImage, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;
let imageId: string;
const waitOptions = () => ({ client: ec2, maxWaitTime: 20, minDelay: 1, maxDelay: 1 });

async function describeOne(id: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const instance = out.Reservations?.[0]?.Instances?.[0];
  assert.ok(instance, `instance ${id} described`);
  return instance;
}

async function launch(extra: Partial<ConstructorParameters<typeof RunInstancesCommand>[0]> = {}): Promise<Instance[]> {
  const out = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, ...extra }));
  return out.Instances ?? [];
}

before(async () => {
  ({ server, ec2 } = await startEc2());
  imageId = await linuxImage(ec2);
});
after(async () => {
  ec2?.destroy();
  await server?.stop();
});

describe("instance lifecycle", () => {
  it("runs pending → running, stops, starts and terminates with the SDK waiters", async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));
    assert.match(run.ReservationId ?? "", /^r-[0-9a-f]{17}$/);
    assert.equal(run.OwnerId, "000000000000");
    const launched = run.Instances?.[0];
    assert.match(launched?.InstanceId ?? "", /^i-[0-9a-f]{17}$/);
    assert.deepEqual(launched?.State, { Code: 0, Name: "pending" });
    assert.deepEqual(launched?.StateReason, { Code: "pending", Message: "pending" });
    assert.equal(launched?.AmiLaunchIndex, 0);
    assert.ok(launched?.LaunchTime instanceof Date && Math.abs(launched.LaunchTime.getTime() - Date.now()) < 60_000);
    const id = launched?.InstanceId ?? "";

    assert.equal((await waitUntilInstanceRunning(waitOptions(), { InstanceIds: [id] })).state, "SUCCESS");
    const running = await describeOne(id);
    assert.deepEqual(running.State, { Code: 16, Name: "running" });
    assert.equal(running.StateReason, undefined);
    assert.equal(running.StateTransitionReason, "");
    assert.ok(running.PublicIpAddress, "default subnet maps a public IP");
    assert.equal(running.MetadataOptions?.State, "applied");
    assert.equal((await waitUntilInstanceStatusOk(waitOptions(), { InstanceIds: [id] })).state, "SUCCESS");

    const stopping = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(stopping.StoppingInstances, [{ InstanceId: id, CurrentState: { Code: 64, Name: "stopping" }, PreviousState: { Code: 16, Name: "running" } }]);
    assert.equal((await waitUntilInstanceStopped(waitOptions(), { InstanceIds: [id] })).state, "SUCCESS");
    const stopped = await describeOne(id);
    assert.equal(stopped.State?.Name, "stopped");
    assert.match(stopped.StateTransitionReason ?? "", /^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$/);
    assert.deepEqual(stopped.StateReason, { Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown" });
    assert.equal(stopped.PublicIpAddress, undefined, "the auto-assigned public IP is released on stop");
    assert.equal(stopped.PrivateIpAddress, running.PrivateIpAddress, "the private IP stays");

    const again = await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(again.StoppingInstances?.[0]?.CurrentState, { Code: 80, Name: "stopped" }, "stopping a stopped instance changes nothing");

    const starting = await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(starting.StartingInstances?.[0]?.CurrentState, { Code: 0, Name: "pending" });
    assert.deepEqual(starting.StartingInstances?.[0]?.PreviousState, { Code: 80, Name: "stopped" });
    await waitUntilInstanceRunning(waitOptions(), { InstanceIds: [id] });
    assert.ok((await describeOne(id)).PublicIpAddress, "a new public IP on start");

    await ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
    assert.equal((await describeOne(id)).State?.Name, "running", "a reboot keeps the instance running");

    const terminating = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(terminating.TerminatingInstances?.[0]?.CurrentState, { Code: 32, Name: "shutting-down" });
    assert.ok((await describeOne(id)).NetworkInterfaces?.length, "interfaces still shown while shutting down");
    assert.equal((await waitUntilInstanceTerminated(waitOptions(), { InstanceIds: [id] })).state, "SUCCESS");
    const terminated = await describeOne(id);
    assert.deepEqual(terminated.State, { Code: 48, Name: "terminated" });
    assert.deepEqual(terminated.NetworkInterfaces ?? [], []);
    assert.deepEqual(terminated.BlockDeviceMappings ?? [], []);
    assert.equal(terminated.PrivateIpAddress, undefined);

    const start = await errorOf(ec2.send(new StartInstancesCommand({ InstanceIds: [id] })));
    assert.equal(start.name, "IncorrectInstanceState");
    assert.equal(start.message, `The instance '${id}' is not in a state from which it can be started.`);
    const stop = await errorOf(ec2.send(new StopInstancesCommand({ InstanceIds: [id] })));
    assert.equal(stop.name, "IncorrectInstanceState");
  });

  it("launches MaxCount instances in one reservation with launch indexes, tags and private IPs of the default subnet", async () => {
    const instances = await launch({
      MinCount: 2,
      MaxCount: 3,
      TagSpecifications: [
        { ResourceType: "instance", Tags: [{ Key: "Name", Value: "web" }] },
        { ResourceType: "volume", Tags: [{ Key: "disk", Value: "root" }] },
        { ResourceType: "network-interface", Tags: [{ Key: "nic", Value: "primary" }] },
      ],
      UserData: Buffer.from("#!/bin/sh\necho hi\n").toString("base64"),
    });
    assert.equal(instances.length, 3);
    assert.deepEqual(instances.map((i) => i.AmiLaunchIndex), [0, 1, 2]);
    assert.equal(new Set(instances.map((i) => i.PrivateIpAddress)).size, 3);
    for (const instance of instances) {
      assert.deepEqual(instance.Tags, [{ Key: "Name", Value: "web" }]);
      assert.match(instance.PrivateIpAddress ?? "", /^172\.31\./);
      assert.equal(instance.Placement?.Tenancy, "default");
      assert.deepEqual(instance.BlockDeviceMappings, [], "RunInstances answers before the volumes attach, as EC2 does");
      assert.equal(instance.CpuOptions?.CoreCount, 1);
      assert.equal(instance.CpuOptions?.ThreadsPerCore, 2);
    }
    const tagged = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "tag:nic", Values: ["primary"] }] }));
    assert.deepEqual((tagged.NetworkInterfaces ?? []).map((n) => n.Attachment?.InstanceId).sort(), instances.map((i) => i.InstanceId).sort());
    const described = await describeOne(instances[0]?.InstanceId ?? "");
    assert.equal(described.BlockDeviceMappings?.[0]?.DeviceName, described.RootDeviceName);
    assert.match(described.BlockDeviceMappings?.[0]?.Ebs?.VolumeId ?? "", /^vol-/);
    const attribute = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instances[0]?.InstanceId, Attribute: "userData" }));
    assert.equal(Buffer.from(attribute.UserData?.Value ?? "", "base64").toString(), "#!/bin/sh\necho hi\n");
  });

  it("lists only running instances in DescribeInstanceStatus unless IncludeAllInstances", async () => {
    const [instance] = await launch();
    const id = instance?.InstanceId ?? "";
    const early = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    assert.deepEqual(early.InstanceStatuses, [], "a pending instance has no status yet");
    const all = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id], IncludeAllInstances: true }));
    assert.equal(all.InstanceStatuses?.[0]?.InstanceStatus?.Status, "not-applicable");
    await waitUntilInstanceStatusOk(waitOptions(), { InstanceIds: [id] });
    const ok = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    assert.equal(ok.InstanceStatuses?.[0]?.SystemStatus?.Status, "ok");
    assert.deepEqual(ok.InstanceStatuses?.[0]?.InstanceStatus?.Details, [{ Name: "reachability", Status: "passed" }]);
    assert.equal(ok.InstanceStatuses?.[0]?.AvailabilityZone, instance?.Placement?.AvailabilityZone);
  });
});

describe("instance attributes", () => {
  it("changes the instance type and user data only when stopped", async () => {
    const [instance] = await launch();
    const id = instance?.InstanceId ?? "";
    await waitUntilInstanceRunning(waitOptions(), { InstanceIds: [id] });
    const running = await errorOf(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.large" } })));
    assert.equal(running.name, "IncorrectInstanceState");
    assert.equal(running.message, `The instance '${id}' is not in the 'stopped' state.`);
    const userData = await errorOf(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, UserData: { Value: new TextEncoder().encode("x") } })));
    assert.equal(userData.name, "IncorrectInstanceState");

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceStopped(waitOptions(), { InstanceIds: [id] });
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.large" } }));
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, UserData: { Value: new TextEncoder().encode("#cloud-config\n") } }));
    const unknown = await errorOf(ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.gigantic" } })));
    assert.equal(unknown.name, "InvalidParameterValue");
    const type = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "instanceType" }));
    assert.equal(type.InstanceType?.Value, "t3.large");
    assert.equal((await describeOne(id)).InstanceType, "t3.large");
    const data = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "userData" }));
    assert.equal(Buffer.from(data.UserData?.Value ?? "", "base64").toString(), "#cloud-config\n");
  });

  it("refuses to terminate a protected instance until protection is lifted", async () => {
    const [instance] = await launch({ DisableApiTermination: true, InstanceInitiatedShutdownBehavior: "terminate" });
    const id = instance?.InstanceId ?? "";
    const protectedAttr = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "disableApiTermination" }));
    assert.equal(protectedAttr.DisableApiTermination?.Value, true);
    const behavior = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "instanceInitiatedShutdownBehavior" }));
    assert.equal(behavior.InstanceInitiatedShutdownBehavior?.Value, "terminate");
    const refused = await errorOf(ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })));
    assert.equal(refused.name, "OperationNotPermitted");
    assert.equal(refused.message, `The instance '${id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`);
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiTermination: { Value: false } }));
    const out = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    assert.equal(out.TerminatingInstances?.[0]?.CurrentState?.Name, "shutting-down");
  });

  it("answers the serial console of the boot, base64-encoded", async () => {
    const [instance] = await launch({ InstanceType: "t3.small" });
    const id = instance?.InstanceId ?? "";
    await waitUntilInstanceRunning(waitOptions(), { InstanceIds: [id] });
    const out = await ec2.send(new GetConsoleOutputCommand({ InstanceId: id }));
    assert.equal(out.InstanceId, id);
    const text = Buffer.from(out.Output ?? "", "base64").toString();
    assert.match(text, /Linux version/);
    assert.match(text, /DMI: Amazon EC2 t3\.small/);
    assert.match(text, /Memory: \d+K\/2097152K available/, "t3.small has 2 GiB");
    assert.ok(text.includes(instance?.PrivateIpAddress ?? "?"), "cloud-init shows the private address");
  });
});

describe("idempotency and DryRun", () => {
  it("answers the same reservation for a repeated ClientToken, and refuses changed parameters", async () => {
    const token = `token-${Date.now()}`;
    const first = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 2, MaxCount: 2, ClientToken: token }));
    const second = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 2, MaxCount: 2, ClientToken: token }));
    assert.equal(second.ReservationId, first.ReservationId);
    assert.deepEqual(second.Instances?.map((i) => i.InstanceId), first.Instances?.map((i) => i.InstanceId));
    assert.equal(first.Instances?.[0]?.ClientToken, token);
    const filtered = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "client-token", Values: [token] }] }));
    assert.equal(filtered.Reservations?.[0]?.Instances?.length, 2, "no extra instances were launched");
    const mismatch = await errorOf(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.small", MinCount: 2, MaxCount: 2, ClientToken: token })));
    assert.equal(mismatch.name, "IdempotentParameterMismatch");
  });

  it("answers 412 DryRunOperation and changes nothing", async () => {
    const before = await ec2.send(new DescribeInstancesCommand({}));
    const count = (before.Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
    const dry = await errorOf(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, DryRun: true })));
    assert.equal(dry.name, "DryRunOperation");
    assert.equal(dry.status, 412);
    const after = await ec2.send(new DescribeInstancesCommand({}));
    assert.equal((after.Reservations ?? []).flatMap((r) => r.Instances ?? []).length, count);

    const [instance] = await launch();
    const id = instance?.InstanceId ?? "";
    for (const command of [new TerminateInstancesCommand({ InstanceIds: [id], DryRun: true }), new DescribeInstancesCommand({ InstanceIds: [id], DryRun: true })]) {
      const error = await errorOf(ec2.send(command as TerminateInstancesCommand));
      assert.equal(error.status, 412);
    }
    assert.notEqual((await describeOne(id)).State?.Name, "shutting-down");
    const badDry = await errorOf(ec2.send(new RunInstancesCommand({ ImageId: "ami-00000000000000000", MinCount: 1, MaxCount: 1, DryRun: true })));
    assert.equal(badDry.name, "InvalidAMIID.NotFound", "validation comes before the DryRun answer");
  });
});

describe("errors", () => {
  it("names unknown and malformed instance ids", async () => {
    const missing = await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })));
    assert.equal(missing.name, "InvalidInstanceID.NotFound");
    assert.equal(missing.message, "The instance ID 'i-0123456789abcdef0' does not exist");
    const two = await errorOf(ec2.send(new StopInstancesCommand({ InstanceIds: ["i-0123456789abcdef0", "i-0123456789abcdef1"] })));
    assert.equal(two.message, "The instance IDs 'i-0123456789abcdef0, i-0123456789abcdef1' do not exist");
    const malformed = await errorOf(ec2.send(new TerminateInstancesCommand({ InstanceIds: ["i-xyz"] })));
    assert.equal(malformed.name, "InvalidInstanceID.Malformed");
    const combo = await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"], MaxResults: 5 })));
    assert.equal(combo.name, "InvalidParameterCombination");
  });

  it("validates what RunInstances is given", async () => {
    const cases: Array<[Partial<ConstructorParameters<typeof RunInstancesCommand>[0]>, string, RegExp?]> = [
      [{ ImageId: "ami-00000000000000000" }, "InvalidAMIID.NotFound", /The image id '\[ami-00000000000000000\]' does not exist/],
      [{ ImageId: "ami-nothex" }, "InvalidAMIID.Malformed"],
      [{ InstanceType: "t3.gigantic" as _InstanceType }, "InvalidParameterValue", /Invalid value 't3.gigantic' for InstanceType/],
      [{ InstanceType: "t4g.micro" }, "InvalidParameterValue", /architecture/],
      [{ KeyName: "no-such-key" }, "InvalidKeyPair.NotFound", /The key pair 'no-such-key' does not exist/],
      [{ MinCount: 3, MaxCount: 2 }, "InvalidParameterValue", /minCount/],
      [{ MinCount: 0, MaxCount: 1 }, "InvalidParameterValue", /minCount/],
      [{ Placement: { AvailabilityZone: "us-east-1z" } }, "InvalidParameterValue"],
      [{ Placement: { GroupName: "no-such-group" } }, "InvalidPlacementGroup.Unknown"],
      [{ IamInstanceProfile: { Name: "no-such-profile" } }, "InvalidParameterValue", /iamInstanceProfile\.name/],
      [{ SubnetId: "subnet-0123456789abcdef0" }, "InvalidSubnetID.NotFound"],
      [{ Placement: { AvailabilityZone: "us-east-1e" } }, "Unsupported", /Your requested instance type \(t3\.micro\) is not supported in your requested Availability Zone \(us-east-1e\)\. Please retry your request by not specifying an Availability Zone or choosing us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f\./],
      [{ TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "a", Value: "b" }] }] }, "InvalidParameterValue"],
    ];
    const interfacesBefore = (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces?.length;
    for (const [extra, code, message] of cases) {
      const error = await errorOf(launch(extra));
      assert.equal(error.name, code, JSON.stringify(extra));
      if (message) assert.match(error.message, message);
    }
    const interfacesAfter = (await ec2.send(new DescribeNetworkInterfacesCommand({}))).NetworkInterfaces?.length;
    assert.equal(interfacesAfter, interfacesBefore, "a refused launch leaves no interface behind");
  });

  it("launches EC2's default type, m1.small, in a zone that offers it when none is named", async () => {
    const out = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1 }));
    assert.equal(out.Instances?.[0]?.InstanceType, "m1.small");
    assert.match(out.Instances?.[0]?.Placement?.AvailabilityZone ?? "", /^us-east-1[a-d]$/);
  });
});
