/** Placement groups and dedicated hosts through the real EC2 client: strategies, duplicates, in-use deletes, host capacity, placement, release. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  AllocateHostsCommand,
  CreatePlacementGroupCommand,
  DeletePlacementGroupCommand,
  DescribeHostsCommand,
  DescribePlacementGroupsCommand,
  EC2Client,
  ModifyHostsCommand,
  ReleaseHostsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Host,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, type RunningStratus } from "../support/server.ts";
import { linuxImage, startEc2 } from "./instances-support.ts";

const run = promisify(execFile);

let server: RunningStratus;
let ec2: EC2Client;

before(async () => {
  ({ server, ec2 } = await startEc2());
});

after(async () => {
  ec2.destroy();
  await server.stop();
});

/** RunInstances → the new instance ids. */
async function runInstances(input: ConstructorParameters<typeof RunInstancesCommand>[0]): Promise<string[]> {
  const result = await ec2.send(new RunInstancesCommand(input));
  return (result.Instances ?? []).map((i) => i.InstanceId ?? "");
}

describe("placement groups", () => {
  it("creates cluster, spread and partition groups with EC2's defaults", async () => {
    const cluster = await ec2.send(new CreatePlacementGroupCommand({ GroupName: "hpc", Strategy: "cluster", TagSpecifications: [{ ResourceType: "placement-group", Tags: [{ Key: "job", Value: "mpi" }] }] }));
    assert.match(cluster.PlacementGroup?.GroupId ?? "", /^pg-[0-9a-f]{17}$/);
    assert.equal(cluster.PlacementGroup?.State, "available");
    assert.equal(cluster.PlacementGroup?.GroupArn, "arn:aws:ec2:us-east-1:000000000000:placement-group/hpc");
    const spread = await ec2.send(new CreatePlacementGroupCommand({ GroupName: "spread", Strategy: "spread" }));
    assert.equal(spread.PlacementGroup?.SpreadLevel, "rack");
    const partition = await ec2.send(new CreatePlacementGroupCommand({ GroupName: "kafka", Strategy: "partition" }));
    assert.equal(partition.PlacementGroup?.PartitionCount, 2);
    const seven = await ec2.send(new CreatePlacementGroupCommand({ GroupName: "seven", Strategy: "partition", PartitionCount: 7 }));
    assert.equal(seven.PlacementGroup?.PartitionCount, 7);
    const hostSpread = await ec2.send(new CreatePlacementGroupCommand({ GroupName: "host-spread", Strategy: "spread", SpreadLevel: "host" }));
    assert.equal(hostSpread.PlacementGroup?.SpreadLevel, "host");
  });

  it("refuses duplicates, bad partition counts and options of another strategy", async () => {
    const duplicate = await sdkFailure(ec2.send(new CreatePlacementGroupCommand({ GroupName: "hpc", Strategy: "spread" })));
    assert.equal(duplicate.name, "InvalidPlacementGroup.Duplicate");
    assert.equal(duplicate.message, "The Placement Group 'hpc' already exists.");
    const eight = await sdkFailure(ec2.send(new CreatePlacementGroupCommand({ GroupName: "eight", Strategy: "partition", PartitionCount: 8 })));
    assert.equal(eight.name, "InvalidParameterValue");
    const mixed = await sdkFailure(ec2.send(new CreatePlacementGroupCommand({ GroupName: "mixed", Strategy: "cluster", PartitionCount: 2 })));
    assert.equal(mixed.name, "InvalidParameterCombination");
    const level = await sdkFailure(ec2.send(new CreatePlacementGroupCommand({ GroupName: "level", Strategy: "cluster", SpreadLevel: "host" })));
    assert.equal(level.name, "InvalidParameterCombination");
  });

  it("describes with names, ids and filters", async () => {
    const all = await ec2.send(new DescribePlacementGroupsCommand({}));
    assert.deepEqual(all.PlacementGroups?.map((g) => g.GroupName).sort(), ["host-spread", "hpc", "kafka", "seven", "spread"]);
    const partitions = await ec2.send(new DescribePlacementGroupsCommand({ Filters: [{ Name: "strategy", Values: ["partition"] }] }));
    assert.deepEqual(partitions.PlacementGroups?.map((g) => g.GroupName).sort(), ["kafka", "seven"]);
    const hostLevel = await ec2.send(new DescribePlacementGroupsCommand({ Filters: [{ Name: "spread-level", Values: ["host"] }] }));
    assert.deepEqual(hostLevel.PlacementGroups?.map((g) => g.GroupName), ["host-spread"]);
    const tagged = await ec2.send(new DescribePlacementGroupsCommand({ Filters: [{ Name: "tag:job", Values: ["mpi"] }] }));
    const hpcId = tagged.PlacementGroups?.[0]?.GroupId ?? "";
    assert.deepEqual(tagged.PlacementGroups?.map((g) => g.GroupName), ["hpc"]);
    const byId = await ec2.send(new DescribePlacementGroupsCommand({ GroupIds: [hpcId] }));
    assert.deepEqual(byId.PlacementGroups?.map((g) => g.GroupName), ["hpc"]);
    const unknown = await sdkFailure(ec2.send(new DescribePlacementGroupsCommand({ GroupNames: ["nope"] })));
    assert.equal(unknown.name, "InvalidPlacementGroup.Unknown");
    assert.equal(unknown.message, "The Placement Group 'nope' is unknown.");
  });

  it("refuses to delete a group its instances use, then deletes it once they are terminated", async () => {
    const ids = await runInstances({ ImageId: await linuxImage(ec2), InstanceType: "c5.large", MinCount: 1, MaxCount: 1, Placement: { GroupName: "hpc" } });
    const inUse = await sdkFailure(ec2.send(new DeletePlacementGroupCommand({ GroupName: "hpc" })));
    assert.equal(inUse.name, "InvalidPlacementGroup.InUse");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    // shutting-down still holds the group; terminated releases it.
    let deleted = false;
    for (let i = 0; i < 50 && !deleted; i++) {
      deleted = await ec2.send(new DeletePlacementGroupCommand({ GroupName: "hpc" })).then(
        () => true,
        (error: Error) => (error.name === "InvalidPlacementGroup.InUse" ? false : Promise.reject(error)),
      );
      if (!deleted) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(deleted, "the group could be deleted after its instances terminated");
    const gone = await sdkFailure(ec2.send(new DescribePlacementGroupsCommand({ GroupNames: ["hpc"] })));
    assert.equal(gone.name, "InvalidPlacementGroup.Unknown");
    const again = await sdkFailure(ec2.send(new DeletePlacementGroupCommand({ GroupName: "hpc" })));
    assert.equal(again.name, "InvalidPlacementGroup.Unknown");
  });

  it("RunInstances refuses an unknown placement group", async () => {
    const failure = await sdkFailure(runInstances({ ImageId: await linuxImage(ec2), InstanceType: "c5.large", MinCount: 1, MaxCount: 1, Placement: { GroupName: "nope" } }));
    assert.equal(failure.name, "InvalidPlacementGroup.Unknown");
  });

  it("works through the AWS CLI", async () => {
    const env = cliEnv(server.endpoint);
    const out = JSON.parse((await run("aws", ["ec2", "create-placement-group", "--group-name", "cli-pg", "--strategy", "partition", "--partition-count", "3"], { env })).stdout) as { PlacementGroup: { PartitionCount: number; Strategy: string } };
    assert.deepEqual([out.PlacementGroup.Strategy, out.PlacementGroup.PartitionCount], ["partition", 3]);
    const described = await ec2.send(new DescribePlacementGroupsCommand({ GroupNames: ["cli-pg"] }));
    assert.equal(described.PlacementGroups?.[0]?.PartitionCount, 3);
  });
});

describe("dedicated hosts", () => {
  const describeHost = async (id: string): Promise<Host> => {
    const hosts = await ec2.send(new DescribeHostsCommand({ HostIds: [id] }));
    const host = hosts.Hosts?.[0];
    assert.ok(host);
    return host;
  };
  let typedHost = "";
  let familyHost = "";

  it("allocates single-type hosts with capacity from the family's largest size", async () => {
    const allocated = await ec2.send(
      new AllocateHostsCommand({ InstanceType: "m5.large", AvailabilityZone: "us-east-1a", Quantity: 2, AutoPlacement: "on", TagSpecifications: [{ ResourceType: "dedicated-host", Tags: [{ Key: "rack", Value: "1" }] }] }),
    );
    assert.equal(allocated.HostIds?.length, 2);
    typedHost = allocated.HostIds?.[0] ?? "";
    assert.match(typedHost, /^h-[0-9a-f]{17}$/);
    const host = await describeHost(typedHost);
    assert.equal(host.State, "available");
    assert.equal(host.AutoPlacement, "on");
    assert.equal(host.AllowsMultipleInstanceTypes, "off");
    assert.equal(host.HostProperties?.InstanceType, "m5.large");
    // m5's largest size (m5.24xlarge / m5.metal) has 96 vCPUs: 48 m5.large fit.
    assert.equal(host.HostProperties?.TotalVCpus, 96);
    assert.deepEqual(host.AvailableCapacity?.AvailableInstanceCapacity, [{ InstanceType: "m5.large", TotalCapacity: 48, AvailableCapacity: 48 }]);
    assert.equal(host.AvailableCapacity?.AvailableVCpus, 96);
    assert.deepEqual(host.Tags, [{ Key: "rack", Value: "1" }]);
    assert.ok(host.AllocationTime instanceof Date);
  });

  it("allocates family hosts that fit any mix of sizes", async () => {
    const allocated = await ec2.send(new AllocateHostsCommand({ InstanceFamily: "c5", AvailabilityZone: "us-east-1b" }));
    familyHost = allocated.HostIds?.[0] ?? "";
    const host = await describeHost(familyHost);
    assert.equal(host.AllowsMultipleInstanceTypes, "on");
    assert.equal(host.HostProperties?.InstanceFamily, "c5");
    const large = host.AvailableCapacity?.AvailableInstanceCapacity?.find((c) => c.InstanceType === "c5.large");
    const vcpus = host.HostProperties?.TotalVCpus ?? 0;
    assert.ok(vcpus >= 72);
    assert.equal(large?.TotalCapacity, vcpus / 2);
  });

  it("refuses bad requests", async () => {
    const both = await sdkFailure(ec2.send(new AllocateHostsCommand({ InstanceType: "m5.large", InstanceFamily: "m5", AvailabilityZone: "us-east-1a" })));
    assert.equal(both.name, "InvalidParameterCombination");
    const zone = await sdkFailure(ec2.send(new AllocateHostsCommand({ InstanceType: "m5.large", AvailabilityZone: "us-east-1z" })));
    assert.equal(zone.name, "InvalidParameterValue");
    const type = await sdkFailure(ec2.send(new AllocateHostsCommand({ InstanceType: "m5.huge", AvailabilityZone: "us-east-1a" })));
    assert.equal(type.name, "InvalidParameterValue");
    const unknown = await sdkFailure(ec2.send(new DescribeHostsCommand({ HostIds: ["h-0123456789abcdef0"] })));
    assert.equal(unknown.name, "InvalidHostID.NotFound");
  });

  it("filters hosts and modifies auto-placement", async () => {
    const family = await ec2.send(new DescribeHostsCommand({ Filter: [{ Name: "availability-zone", Values: ["us-east-1b"] }] }));
    assert.deepEqual(family.Hosts?.map((h) => h.HostId), [familyHost]);
    const tagged = await ec2.send(new DescribeHostsCommand({ Filter: [{ Name: "tag:rack", Values: ["1"] }] }));
    assert.equal(tagged.Hosts?.length, 2);
    const modified = await ec2.send(new ModifyHostsCommand({ HostIds: [familyHost, "h-0123456789abcdef0"], AutoPlacement: "on" }));
    assert.deepEqual(modified.Successful, [familyHost]);
    assert.equal(modified.Unsuccessful?.[0]?.Error?.Code, "InvalidHostID.NotFound");
    const on = await ec2.send(new DescribeHostsCommand({ Filter: [{ Name: "auto-placement", Values: ["on"] }] }));
    assert.equal(on.Hosts?.length, 3);
    // An empty host can be switched between a family and one of its types.
    const retyped = await ec2.send(new ModifyHostsCommand({ HostIds: [familyHost], InstanceType: "c5.2xlarge" }));
    assert.deepEqual(retyped.Successful, [familyHost]);
    const single = await describeHost(familyHost);
    assert.equal(single.AllowsMultipleInstanceTypes, "off");
    assert.deepEqual(single.AvailableCapacity?.AvailableInstanceCapacity?.map((c) => [c.InstanceType, c.TotalCapacity]), [["c5.2xlarge", 12]]);
    await ec2.send(new ModifyHostsCommand({ HostIds: [familyHost], InstanceFamily: "c5" }));
    assert.equal((await describeHost(familyHost)).AllowsMultipleInstanceTypes, "on");
  });

  it("places instances on hosts, counts capacity, and refuses to release occupied hosts", async () => {
    const imageId = await linuxImage(ec2);
    const ids = await runInstances({ ImageId: imageId, InstanceType: "m5.large", MinCount: 2, MaxCount: 2, Placement: { HostId: typedHost, AvailabilityZone: "us-east-1a" } });
    const host = await describeHost(typedHost);
    assert.deepEqual(host.Instances?.map((i) => i.InstanceId).sort(), [...ids].sort());
    assert.equal(host.AvailableCapacity?.AvailableInstanceCapacity?.[0]?.AvailableCapacity, 46);
    const wrongType = await sdkFailure(runInstances({ ImageId: imageId, InstanceType: "c5.large", MinCount: 1, MaxCount: 1, Placement: { HostId: typedHost, AvailabilityZone: "us-east-1a" } }));
    assert.equal(wrongType.name, "InvalidParameterValue");
    const otherZone = await sdkFailure(runInstances({ ImageId: imageId, InstanceType: "m5.large", MinCount: 1, MaxCount: 1, Placement: { HostId: typedHost, AvailabilityZone: "us-east-1b" } }));
    assert.equal(otherZone.name, "InvalidParameterValue");
    // Tenancy host without a HostId: auto-placement picks a host of the zone that has room.
    const auto = await runInstances({ ImageId: imageId, InstanceType: "m5.large", MinCount: 1, MaxCount: 1, Placement: { Tenancy: "host", AvailabilityZone: "us-east-1a" } });
    const hosts = await ec2.send(new DescribeHostsCommand({ Filter: [{ Name: "instance-type", Values: ["m5.large"] }] }));
    const placed = (hosts.Hosts ?? []).flatMap((h) => h.Instances ?? []).map((i) => i.InstanceId);
    assert.ok(placed.includes(auto[0]), "auto-placed on an m5.large host");
    const noRoom = await sdkFailure(runInstances({ ImageId: imageId, InstanceType: "r5.large", MinCount: 1, MaxCount: 1, Placement: { Tenancy: "host", AvailabilityZone: "us-east-1a" } }));
    assert.equal(noRoom.name, "InsufficientHostCapacity");
    const released = await ec2.send(new ReleaseHostsCommand({ HostIds: [typedHost] }));
    assert.deepEqual(released.Successful, []);
    assert.equal(released.Unsuccessful?.[0]?.Error?.Code, "Client.InvalidHost.Occupied");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids, ...auto] }));
    const freed = await describeHost(typedHost);
    assert.equal(freed.Instances?.length, 0);
    assert.equal(freed.AvailableCapacity?.AvailableVCpus, 96);
  });

  it("releases free hosts, which stay visible as released", async () => {
    const released = await ec2.send(new ReleaseHostsCommand({ HostIds: [familyHost, "h-0123456789abcdef0"] }));
    assert.deepEqual(released.Successful, [familyHost]);
    assert.equal(released.Unsuccessful?.[0]?.Error?.Code, "InvalidHostID.NotFound");
    const host = await describeHost(familyHost);
    assert.equal(host.State, "released");
    assert.ok(host.ReleaseTime instanceof Date);
    const again = await ec2.send(new ReleaseHostsCommand({ HostIds: [familyHost] }));
    assert.equal(again.Unsuccessful?.[0]?.ResourceId, familyHost);
  });

  it("works through the AWS CLI", async () => {
    const env = cliEnv(server.endpoint);
    const out = JSON.parse((await run("aws", ["ec2", "allocate-hosts", "--instance-type", "c5.xlarge", "--availability-zone", "us-east-1c", "--quantity", "1"], { env })).stdout) as { HostIds: string[] };
    assert.equal(out.HostIds.length, 1);
    const text = String((await describeHost(out.HostIds[0] ?? "")).AvailableCapacity?.AvailableInstanceCapacity?.[0]?.TotalCapacity);
    // c5.24xlarge (96 vCPUs) is the family's largest size: 24 c5.xlarge fit.
    assert.equal(text, "24");
  });
});
