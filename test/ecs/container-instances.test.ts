/** EC2 launch type: instances join clusters from user data or RegisterContainerInstance, resources and placement as AWS answers. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteServiceCommand,
  DeregisterContainerInstanceCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  DescribeContainerInstancesCommand,
  ListContainerInstancesCommand,
  RegisterContainerInstanceCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateContainerInstancesStateCommand,
  UpdateServiceCommand,
  type ContainerInstance,
} from "@aws-sdk/client-ecs";
import { sdkFailure } from "../support/assertions.ts";
import { busyboxImage, dockerSkip } from "../support/docker.ts";
import { linuxImage } from "../ec2/instances-support.ts";
import { eventually, startEcs, waitTask, type EcsTestServer } from "./support.ts";

let t: EcsTestServer;
let instanceArn = "";
let ec2InstanceId = "";

before(async () => {
  t = await startEcs();
  await t.ecs.send(new CreateClusterCommand({ clusterName: "ec2c" }));
  await t.ecs.send(new CreateClusterCommand({ clusterName: "empty" }));
});
after(async () => {
  await t.close();
});

const resource = (ci: ContainerInstance | undefined, name: string, kind: "registeredResources" | "remainingResources") => ci?.[kind]?.find((r) => r.name === name)?.integerValue;

async function describeInstance(): Promise<ContainerInstance | undefined> {
  return (await t.ecs.send(new DescribeContainerInstancesCommand({ cluster: "ec2c", containerInstances: [instanceArn] }))).containerInstances?.[0];
}

describe("container instances", () => {
  it("registers a running EC2 instance whose user data names the cluster (CPU = vCPUs × 1024, MEMORY from its type)", async () => {
    const imageId = await linuxImage(t.ec2);
    const userData = Buffer.from("#!/bin/bash\necho ECS_CLUSTER=ec2c >> /etc/ecs/ecs.config\n").toString("base64");
    const run = await t.ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.medium", MinCount: 1, MaxCount: 1, UserData: userData }));
    ec2InstanceId = run.Instances?.[0]?.InstanceId ?? "";
    instanceArn = await eventually(async () => (await t.ecs.send(new ListContainerInstancesCommand({ cluster: "ec2c" }))).containerInstanceArns?.[0], 60_000, "the instance to register");
    const ci = await describeInstance();
    assert.equal(ci?.ec2InstanceId, ec2InstanceId);
    assert.equal(ci?.status, "ACTIVE");
    assert.equal(ci?.agentConnected, true);
    assert.equal(resource(ci, "CPU", "registeredResources"), 2048);
    assert.equal(resource(ci, "MEMORY", "registeredResources"), 4096);
    assert.ok(ci?.attributes?.some((a) => a.name === "ecs.instance-type" && a.value === "t3.medium"));
  });

  it("places EC2 tasks by resources and constraints; failures as RunTask reports them", async () => {
    await t.ecs.send(new RegisterTaskDefinitionCommand({ family: "big", containerDefinitions: [{ name: "app", image: "127.0.0.1:1/stratus-test/no-such-image:1", memory: 3000, cpu: 512 }] }));
    const noInstances = await sdkFailure(t.ecs.send(new RunTaskCommand({ cluster: "empty", taskDefinition: "big", launchType: "EC2" })));
    assert.equal(noInstances.name, "InvalidParameterException");
    assert.equal(noInstances.message, "No Container Instances were found in your cluster.");

    const two = await t.ecs.send(new RunTaskCommand({ cluster: "ec2c", taskDefinition: "big", launchType: "EC2", count: 2 }));
    assert.equal(two.tasks?.length, 1);
    assert.equal(two.tasks?.[0]?.containerInstanceArn, instanceArn);
    assert.deepEqual(two.failures, [{ arn: instanceArn, reason: "RESOURCE:MEMORY" }]);

    // Resources are checked first (as AWS does): a small task reaches the constraint.
    await t.ecs.send(new RegisterTaskDefinitionCommand({ family: "small", containerDefinitions: [{ name: "app", image: "127.0.0.1:1/stratus-test/no-such-image:1", memory: 64 }] }));
    const memberOf = await t.ecs.send(
      new RunTaskCommand({ cluster: "ec2c", taskDefinition: "small", launchType: "EC2", placementConstraints: [{ type: "memberOf", expression: "attribute:ecs.instance-type =~ t3.l*" }] }),
    );
    assert.equal(memberOf.tasks?.length, 0);
    assert.equal(memberOf.failures?.[0]?.reason, "MemberOf placement constraint unsatisfied.");
    const bad = await sdkFailure(t.ecs.send(new RunTaskCommand({ cluster: "ec2c", taskDefinition: "big", launchType: "EC2", placementStrategy: [{ type: "binpack", field: "disk" }] })));
    assert.equal(bad.name, "InvalidParameterException");
    // Without a launch type and with no default capacity provider strategy RunTask uses EC2.
    const fargate = await sdkFailure(t.ecs.send(new RunTaskCommand({ cluster: "ec2c", taskDefinition: "big", launchType: "FARGATE" })));
    assert.equal(fargate.message, "Task definition does not support launch_type FARGATE.");
  });

  it("RegisterContainerInstance from an identity document; DRAINING instances take no tasks; deregistration", async () => {
    const imageId = await linuxImage(t.ec2);
    const run = await t.ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "m5.large", MinCount: 1, MaxCount: 1 }));
    const id = run.Instances?.[0]?.InstanceId ?? "";
    const { containerInstance } = await t.ecs.send(
      new RegisterContainerInstanceCommand({ cluster: "empty", instanceIdentityDocument: JSON.stringify({ instanceId: id, region: "us-east-1" }) }),
    );
    assert.equal(containerInstance?.ec2InstanceId, id);
    assert.equal(resource(containerInstance, "CPU", "registeredResources"), 2048);
    assert.equal(resource(containerInstance, "MEMORY", "registeredResources"), 8192);
    const arn = containerInstance?.containerInstanceArn ?? "";
    const drained = await t.ecs.send(new UpdateContainerInstancesStateCommand({ cluster: "empty", containerInstances: [arn], status: "DRAINING" }));
    assert.equal(drained.containerInstances?.[0]?.status, "DRAINING");
    const none = await sdkFailure(t.ecs.send(new RunTaskCommand({ cluster: "empty", taskDefinition: "big", launchType: "EC2" })));
    assert.equal(none.name, "InvalidParameterException");
    const gone = await t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: "empty", containerInstance: arn }));
    assert.equal(gone.containerInstance?.status, "INACTIVE");
    assert.deepEqual((await t.ecs.send(new ListContainerInstancesCommand({ cluster: "empty" }))).containerInstanceArns, []);
  });

  it("spreads across instances or binpacks onto the fullest one; distinctInstance refuses a second task per instance", async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: "pack" }));
    const register = async (id: string, type: string): Promise<string> =>
      (await t.ecs.send(new RegisterContainerInstanceCommand({ cluster: "pack", instanceIdentityDocument: JSON.stringify({ instanceId: id, instanceType: type, availabilityZone: "us-east-1a" }) })))
        .containerInstance?.containerInstanceArn ?? "";
    const small = await register("i-0000000000000aaaa", "t3.small");
    const large = await register("i-0000000000000bbbb", "t3.xlarge");
    await t.ecs.send(new RegisterTaskDefinitionCommand({ family: "tiny", containerDefinitions: [{ name: "app", image: "127.0.0.1:1/stratus-test/no-such-image:1", memory: 128 }] }));
    const spread = await t.ecs.send(new RunTaskCommand({ cluster: "pack", taskDefinition: "tiny", launchType: "EC2", count: 2, placementStrategy: [{ type: "spread", field: "instanceId" }] }));
    assert.deepEqual(new Set(spread.tasks?.map((task) => task.containerInstanceArn)), new Set([small, large]));
    const packed = await t.ecs.send(new RunTaskCommand({ cluster: "pack", taskDefinition: "tiny", launchType: "EC2", count: 2, placementStrategy: [{ type: "binpack", field: "memory" }] }));
    assert.deepEqual(packed.tasks?.map((task) => task.containerInstanceArn), [small, small]);
    const distinct = await t.ecs.send(new RunTaskCommand({ cluster: "pack", taskDefinition: "tiny", launchType: "EC2", count: 3, group: "solo", placementConstraints: [{ type: "distinctInstance" }] }));
    assert.equal(distinct.tasks?.length, 2);
    assert.ok(distinct.failures?.some((f) => f.reason === "DistinctInstance placement constraint unsatisfied."));
  });

  it("a DAEMON service wants one task per active instance", async () => {
    const { service } = await t.ecs.send(new CreateServiceCommand({ cluster: "pack", serviceName: "agent", taskDefinition: "tiny", launchType: "EC2", schedulingStrategy: "DAEMON" }));
    assert.equal(service?.schedulingStrategy, "DAEMON");
    assert.equal(service?.deploymentConfiguration?.maximumPercent, 100);
    const started = await eventually(async () => {
      const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: "pack", services: ["agent"] }));
      return services?.[0]?.desiredCount === 2 && services[0].events?.some((e) => /^\(service agent\) has started 2 tasks/.test(e.message ?? "")) ? services[0] : undefined;
    }, 30_000, "two daemon tasks");
    assert.equal(started.desiredCount, 2);
    const message = started.events?.find((e) => /has started 2 tasks/.test(e.message ?? ""))?.message ?? "";
    const ids = [...message.matchAll(/\(task ([0-9a-f]{32})\)/g)].map((m) => m[1] ?? "");
    const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: "pack", tasks: ids }));
    assert.equal(tasks?.length, 2);
    assert.equal(new Set(tasks?.map((task) => task.containerInstanceArn)).size, 2);
    const scaled = await sdkFailure(t.ecs.send(new UpdateServiceCommand({ cluster: "pack", service: "agent", desiredCount: 3 })));
    assert.equal(scaled.name, "InvalidParameterException");
    await t.ecs.send(new DeleteServiceCommand({ cluster: "pack", service: "agent" }));
  });

  it("accounts remaining resources while an EC2 task runs and returns them when it stops", { skip: dockerSkip() }, async () => {
    const image = busyboxImage();
    await t.ecs.send(new RegisterTaskDefinitionCommand({ family: "sleepy", containerDefinitions: [{ name: "app", image, command: ["sleep", "600"], memory: 1000, cpu: 256, stopTimeout: 2 }] }));
    const run = await t.ecs.send(new RunTaskCommand({ cluster: "ec2c", taskDefinition: "sleepy", launchType: "EC2" }));
    const arn = run.tasks?.[0]?.taskArn ?? "";
    const running = await waitTask(t.ecs, "ec2c", arn, (task) => task.lastStatus === "RUNNING" || task.lastStatus === "STOPPED");
    assert.equal(running.lastStatus, "RUNNING", running.stoppedReason);
    assert.equal(running.launchType, "EC2");
    const busy = await describeInstance();
    assert.equal(resource(busy, "MEMORY", "remainingResources"), 4096 - 1000);
    assert.equal(resource(busy, "CPU", "remainingResources"), 2048 - 256);
    assert.equal(busy?.runningTasksCount, 1);
    await t.ecs.send(new StopTaskCommand({ cluster: "ec2c", task: arn }));
    await waitTask(t.ecs, "ec2c", arn, (task) => task.lastStatus === "STOPPED");
    const idle = await describeInstance();
    assert.equal(resource(idle, "MEMORY", "remainingResources"), 4096);
  });
});
