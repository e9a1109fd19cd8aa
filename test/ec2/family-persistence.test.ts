/** Key pairs, launch templates, placement groups and hosts survive a restart with a data directory. */
import assert from "node:assert/strict";
import { after, it } from "node:test";
import {
  AllocateHostsCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreatePlacementGroupCommand,
  DescribeHostsCommand,
  DescribeKeyPairsCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribePlacementGroupsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { clientConfig, startStratus, tempDataDir } from "../support/server.ts";

const data = tempDataDir("stratus-family-");
after(() => data.remove());

it("keeps the family's records across a restart", async () => {
  let server = await startStratus({ dataDir: data.dir });
  let ec2 = new EC2Client(clientConfig(server.endpoint));
  const key = await ec2.send(new CreateKeyPairCommand({ KeyName: "kept", KeyType: "ed25519" }));
  const template = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "kept", LaunchTemplateData: { InstanceType: "t3.micro" } }));
  await ec2.send(new CreatePlacementGroupCommand({ GroupName: "kept", Strategy: "partition", PartitionCount: 3 }));
  const hosts = await ec2.send(new AllocateHostsCommand({ InstanceType: "m5.large", AvailabilityZone: "us-east-1a" }));
  ec2.destroy();
  await server.stop();

  server = await startStratus({ dataDir: data.dir });
  ec2 = new EC2Client(clientConfig(server.endpoint));
  try {
    const keys = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["kept"] }));
    assert.equal(keys.KeyPairs?.[0]?.KeyFingerprint, key.KeyFingerprint);
    const versions = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId }));
    assert.equal(versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType, "t3.micro");
    const groups = await ec2.send(new DescribePlacementGroupsCommand({ GroupNames: ["kept"] }));
    assert.equal(groups.PlacementGroups?.[0]?.PartitionCount, 3);
    const described = await ec2.send(new DescribeHostsCommand({ HostIds: hosts.HostIds }));
    assert.equal(described.Hosts?.[0]?.AvailableCapacity?.AvailableInstanceCapacity?.[0]?.TotalCapacity, 48);
  } finally {
    ec2.destroy();
    await server.stop();
  }
});
