/** ECS control plane through the SDK: clusters, task definitions (Fargate rules, revisions), tasks' records, services, tags. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListAccountSettingsCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  PutAccountSettingCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClusterSettingsCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { sdkFailure } from "../support/assertions.ts";
import { defaultSubnets, eventually, fargateDefinition, inCidr, startEcs, waitTask, type EcsTestServer } from "./support.ts";

let t: EcsTestServer;

before(async () => {
  t = await startEcs();
});
after(async () => {
  await t.close();
});

describe("clusters", () => {
  it("creates with settings, capacity providers and tags; describes with counts; pages the list", async () => {
    const { cluster } = await t.ecs.send(
      new CreateClusterCommand({
        clusterName: "alpha",
        settings: [{ name: "containerInsights", value: "enabled" }],
        capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy: [{ capacityProvider: "FARGATE", weight: 1, base: 1 }],
        tags: [{ key: "team", value: "blue" }],
      }),
    );
    assert.equal(cluster?.clusterArn, "arn:aws:ecs:us-east-1:000000000000:cluster/alpha");
    assert.equal(cluster?.status, "ACTIVE");
    assert.deepEqual(cluster?.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
    await t.ecs.send(new CreateClusterCommand({ clusterName: "beta" }));
    await t.ecs.send(new CreateClusterCommand({ clusterName: "gamma" }));

    const described = await t.ecs.send(new DescribeClustersCommand({ clusters: ["alpha", "nope"], include: ["TAGS", "SETTINGS", "STATISTICS"] }));
    const alpha = described.clusters?.[0];
    assert.deepEqual(alpha?.tags, [{ key: "team", value: "blue" }]);
    assert.deepEqual(alpha?.settings, [{ name: "containerInsights", value: "enabled" }]);
    assert.equal(alpha?.runningTasksCount, 0);
    assert.equal(alpha?.activeServicesCount, 0);
    assert.ok(alpha?.statistics?.some((s) => s.name === "runningFargateTasksCount" && s.value === "0"));
    assert.deepEqual(described.failures, [{ arn: "arn:aws:ecs:us-east-1:000000000000:cluster/nope", reason: "MISSING" }]);

    const first = await t.ecs.send(new ListClustersCommand({ maxResults: 2 }));
    assert.equal(first.clusterArns?.length, 2);
    assert.ok(first.nextToken);
    const second = await t.ecs.send(new ListClustersCommand({ maxResults: 2, nextToken: first.nextToken }));
    assert.ok((second.clusterArns ?? []).length >= 1);
    assert.ok(![...(first.clusterArns ?? [])].some((arn) => second.clusterArns?.includes(arn)));
  });

  it("rejects bad settings and providers; updates settings; a deleted cluster is INACTIVE and unusable", async () => {
    const bad = await sdkFailure(t.ecs.send(new CreateClusterCommand({ clusterName: "x", settings: [{ name: "containerInsights", value: "maybe" }] })));
    assert.equal(bad.name, "InvalidParameterException");
    const providers = await t.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ["FARGATE_SPOT", "MY_ASG"] }));
    assert.deepEqual(providers.capacityProviders?.map((p) => p.name), ["FARGATE_SPOT"]);
    assert.deepEqual(providers.failures, [{ arn: "MY_ASG", reason: "MISSING" }]);
    const provider = await sdkFailure(t.ecs.send(new PutClusterCapacityProvidersCommand({ cluster: "beta", capacityProviders: ["MY_ASG"], defaultCapacityProviderStrategy: [] })));
    assert.equal(provider.name, "InvalidParameterException");
    const { cluster } = await t.ecs.send(new UpdateClusterSettingsCommand({ cluster: "beta", settings: [{ name: "containerInsights", value: "enhanced" }] }));
    assert.deepEqual(cluster?.settings, [{ name: "containerInsights", value: "enhanced" }]);

    const deleted = await t.ecs.send(new DeleteClusterCommand({ cluster: "gamma" }));
    assert.equal(deleted.cluster?.status, "INACTIVE");
    const { clusters } = await t.ecs.send(new DescribeClustersCommand({ clusters: ["gamma"] }));
    assert.equal(clusters?.[0]?.status, "INACTIVE");
    const missing = await sdkFailure(t.ecs.send(new ListTasksCommand({ cluster: "gamma" })));
    assert.equal(missing.name, "ClusterNotFoundException");
    // No cluster named and no `default` cluster: ClusterNotFoundException, as on AWS.
    const noDefault = await sdkFailure(t.ecs.send(new ListServicesCommand({})));
    assert.equal(noDefault.name, "ClusterNotFoundException");
  });
});

describe("task definitions", () => {
  it("applies Fargate's rules with AWS's messages", async () => {
    const base = fargateDefinition("web", "127.0.0.1:1/busybox", ["true"]);
    const bridge = await sdkFailure(t.ecs.send(new RegisterTaskDefinitionCommand({ ...base, networkMode: "bridge" })));
    assert.equal(bridge.name, "ClientException");
    assert.match(bridge.message, /Fargate only supports network mode/);
    const { cpu: _cpu, ...noCpu } = base;
    const cpu = await sdkFailure(t.ecs.send(new RegisterTaskDefinitionCommand(noCpu)));
    assert.equal(cpu.message, "Fargate requires that 'cpu' be defined at the task level.");
    const size = await sdkFailure(t.ecs.send(new RegisterTaskDefinitionCommand({ ...base, cpu: "256", memory: "4096" })));
    assert.equal(size.name, "ClientException");
    assert.match(size.message, /No Fargate configuration exists for given values/);
    const logs = await sdkFailure(
      t.ecs.send(
        new RegisterTaskDefinitionCommand({
          ...base,
          containerDefinitions: [{ name: "app", image: "127.0.0.1:1/busybox", logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "g", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "p" } } }],
        }),
      ),
    );
    assert.equal(logs.message, "Fargate requires task definition to have execution role ARN to support log driver awslogs.");
    const noImage = await sdkFailure(t.ecs.send(new RegisterTaskDefinitionCommand({ ...base, containerDefinitions: [{ name: "app" }] })));
    assert.equal(noImage.name, "ClientException");
    const ec2NoMemory = await sdkFailure(t.ecs.send(new RegisterTaskDefinitionCommand({ family: "ec2", containerDefinitions: [{ name: "a", image: "127.0.0.1:1/busybox" }] })));
    assert.match(ec2NoMemory.message, /At least one of 'memory' or 'memoryReservation' must be specified/);
  });

  it("keeps revisions per family; describes by family, family:revision and ARN; lists, deregisters and deletes", async () => {
    const one = await t.ecs.send(new RegisterTaskDefinitionCommand({ ...fargateDefinition("web", "127.0.0.1:1/busybox", ["true"], { cpu: "0.5 vCPU", memory: "1 GB" }), tags: [{ key: "k", value: "v" }] }));
    assert.equal(one.taskDefinition?.revision, 1);
    assert.equal(one.taskDefinition?.cpu, "512");
    assert.equal(one.taskDefinition?.memory, "1024");
    assert.deepEqual(one.taskDefinition?.compatibilities, ["EC2", "FARGATE"]);
    assert.equal(one.taskDefinition?.containerDefinitions?.[0]?.essential, true);
    const two = await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("web", "127.0.0.1:1/busybox", ["sleep", "1"], { containerDefinitions: [{ name: "app", image: "127.0.0.1:1/busybox", portMappings: [{ containerPort: 80 }] }] })));
    assert.equal(two.taskDefinition?.revision, 2);
    assert.deepEqual(two.taskDefinition?.containerDefinitions?.[0]?.portMappings, [{ containerPort: 80, hostPort: 80, protocol: "tcp" }]);
    await t.ecs.send(new RegisterTaskDefinitionCommand({ family: "worker", containerDefinitions: [{ name: "w", image: "127.0.0.1:1/busybox", memory: 64 }] }));

    assert.equal((await t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web" }))).taskDefinition?.revision, 2);
    const byRevision = await t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web:1", include: ["TAGS"] }));
    assert.deepEqual(byRevision.tags, [{ key: "k", value: "v" }]);
    const byArn = await t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: one.taskDefinition?.taskDefinitionArn }));
    assert.equal(byArn.taskDefinition?.revision, 1);
    const missing = await sdkFailure(t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web:9" })));
    assert.equal(missing.name, "ClientException");

    const listed = await t.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: "web", sort: "DESC", maxResults: 1 }));
    assert.deepEqual(listed.taskDefinitionArns, ["arn:aws:ecs:us-east-1:000000000000:task-definition/web:2"]);
    assert.ok(listed.nextToken);
    const families = await t.ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: "w" }));
    assert.deepEqual(families.families, ["web", "worker"]);

    const undeletable = await t.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ["web:1"] }));
    assert.equal(undeletable.failures?.length, 1);
    const deregistered = await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: "web:1" }));
    assert.equal(deregistered.taskDefinition?.status, "INACTIVE");
    const inactive = await t.ecs.send(new ListTaskDefinitionsCommand({ status: "INACTIVE" }));
    assert.deepEqual(inactive.taskDefinitionArns, ["arn:aws:ecs:us-east-1:000000000000:task-definition/web:1"]);
    const deleted = await t.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ["web:1"] }));
    assert.equal(deleted.taskDefinitions?.[0]?.status, "DELETE_IN_PROGRESS");
    // Revisions are never reused.
    const three = await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("web", "127.0.0.1:1/busybox", ["true"])));
    assert.equal(three.taskDefinition?.revision, 3);
  });
});

describe("tasks", () => {
  it("validates RunTask's network against EC2 and gives awsvpc tasks an ENI from their subnet", async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: "default" }));
    await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("broken", "127.0.0.1:1/stratus-test/no-such-image:1", ["true"])));
    const noNetwork = await sdkFailure(t.ecs.send(new RunTaskCommand({ taskDefinition: "broken", launchType: "FARGATE" })));
    assert.equal(noNetwork.name, "InvalidParameterException");
    assert.equal(noNetwork.message, "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    const badSubnet = await sdkFailure(
      t.ecs.send(new RunTaskCommand({ taskDefinition: "broken", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-0123456789abcdef0"] } } })),
    );
    assert.equal(badSubnet.name, "InvalidParameterException");
    assert.match(badSubnet.message, /subnet-0123456789abcdef0/);
    const noDefinition = await sdkFailure(t.ecs.send(new RunTaskCommand({ taskDefinition: "nothing-here", launchType: "FARGATE" })));
    assert.equal(noDefinition.name, "ClientException");

    const subnet = (await defaultSubnets(t.ec2))[0];
    assert.ok(subnet);
    const run = await t.ecs.send(
      new RunTaskCommand({
        taskDefinition: "broken",
        launchType: "FARGATE",
        startedBy: "tester",
        tags: [{ key: "a", value: "b" }],
        networkConfiguration: { awsvpcConfiguration: { subnets: [subnet.id] } },
      }),
    );
    const task = run.tasks?.[0];
    assert.equal(task?.lastStatus, "PROVISIONING");
    assert.equal(task?.desiredStatus, "RUNNING");
    assert.equal(task?.group, "family:broken");
    assert.equal(task?.launchType, "FARGATE");
    const attachment = task?.attachments?.[0];
    assert.equal(attachment?.type, "ElasticNetworkInterface");
    const detail = (name: string): string => attachment?.details?.find((d) => d.name === name)?.value ?? "";
    assert.equal(detail("subnetId"), subnet.id);
    assert.ok(inCidr(detail("privateIPv4Address"), subnet.cidr), `${detail("privateIPv4Address")} in ${subnet.cidr}`);
    const eniId = detail("networkInterfaceId");
    const enis = await t.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] }));
    assert.equal(enis.NetworkInterfaces?.[0]?.PrivateIpAddress, detail("privateIPv4Address"));

    // The image does not exist anywhere: the task stops (never a fake RUNNING) and its ENI goes away.
    const stopped = await waitTask(t.ecs, "default", task?.taskArn ?? "", (x) => x.lastStatus === "STOPPED");
    assert.equal(stopped.lastStatus, "STOPPED");
    assert.equal(stopped.stopCode, "TaskFailedToStart");
    assert.ok(stopped.stoppedReason);
    await eventually(async () => {
      const left = await t.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "network-interface-id", Values: [eniId] }] }));
      return (left.NetworkInterfaces ?? []).length === 0 ? true : undefined;
    }, 10_000, "the ENI to be deleted");

    // The same clientToken again (a retry): the same task, no second one.
    const token = "retry-token-1";
    const once = await t.ecs.send(new RunTaskCommand({ taskDefinition: "broken", launchType: "FARGATE", clientToken: token, networkConfiguration: { awsvpcConfiguration: { subnets: [subnet.id] } } }));
    const twice = await t.ecs.send(new RunTaskCommand({ taskDefinition: "broken", launchType: "FARGATE", clientToken: token, networkConfiguration: { awsvpcConfiguration: { subnets: [subnet.id] } } }));
    assert.equal(twice.tasks?.[0]?.taskArn, once.tasks?.[0]?.taskArn);
    await waitTask(t.ecs, "default", once.tasks?.[0]?.taskArn ?? "", (x) => x.lastStatus === "STOPPED");

    const running = await t.ecs.send(new ListTasksCommand({ family: "broken" }));
    assert.deepEqual(running.taskArns, []);
    const stoppedList = await t.ecs.send(new ListTasksCommand({ family: "broken", desiredStatus: "STOPPED", startedBy: "tester" }));
    assert.equal((await t.ecs.send(new ListTasksCommand({ family: "broken", desiredStatus: "STOPPED" }))).taskArns?.length, 2);
    assert.deepEqual(stoppedList.taskArns, [task?.taskArn]);
    const described = await t.ecs.send(new DescribeTasksCommand({ tasks: [task?.taskArn ?? "", "0123456789abcdef0123456789abcdef"], include: ["TAGS"] }));
    assert.deepEqual(described.tasks?.[0]?.tags, [{ key: "a", value: "b" }]);
    assert.equal(described.failures?.[0]?.reason, "MISSING");
    const unknown = await sdkFailure(t.ecs.send(new StopTaskCommand({ task: "0123456789abcdef0123456789abcdef" })));
    assert.equal(unknown.name, "InvalidParameterException");
  });
});

describe("services", () => {
  it("creates, updates, refuses to delete while scaled up, drains to INACTIVE; errors as AWS names them", async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: "svc" }));
    await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("idle", "127.0.0.1:1/busybox", ["true"])));
    const subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
    const network = { awsvpcConfiguration: { subnets: [subnet] } };
    const { service } = await t.ecs.send(
      new CreateServiceCommand({ cluster: "svc", serviceName: "api", taskDefinition: "idle", desiredCount: 0, launchType: "FARGATE", networkConfiguration: network, tags: [{ key: "s", value: "1" }] }),
    );
    assert.equal(service?.status, "ACTIVE");
    assert.equal(service?.serviceArn, "arn:aws:ecs:us-east-1:000000000000:service/svc/api");
    assert.equal(service?.deployments?.[0]?.status, "PRIMARY");
    assert.equal(service?.deploymentConfiguration?.maximumPercent, 200);
    assert.equal(service?.deploymentConfiguration?.minimumHealthyPercent, 100);
    const again = await sdkFailure(t.ecs.send(new CreateServiceCommand({ cluster: "svc", serviceName: "api", taskDefinition: "idle", desiredCount: 0, launchType: "FARGATE", networkConfiguration: network })));
    assert.equal(again.name, "InvalidParameterException");
    assert.equal(again.message, "Creation of service was not idempotent.");
    const noNet = await sdkFailure(t.ecs.send(new CreateServiceCommand({ cluster: "svc", serviceName: "other", taskDefinition: "idle", desiredCount: 0, launchType: "FARGATE" })));
    assert.equal(noNet.name, "InvalidParameterException");

    const steady = await eventually(async () => {
      const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: "svc", services: ["api"] }));
      return services?.[0]?.events?.some((e) => e.message === "(service api) has reached a steady state.") ? services[0] : undefined;
    }, 20_000, "steady state");
    assert.equal(steady.deployments?.[0]?.rolloutState, "COMPLETED");

    const notFound = await sdkFailure(t.ecs.send(new UpdateServiceCommand({ cluster: "svc", service: "ghost", desiredCount: 1 })));
    assert.equal(notFound.name, "ServiceNotFoundException");
    const updated = await t.ecs.send(new UpdateServiceCommand({ cluster: "svc", service: "api", desiredCount: 0, forceNewDeployment: true }));
    assert.equal(updated.service?.deployments?.length, 2);
    assert.equal(updated.service?.deployments?.[0]?.rolloutState, "IN_PROGRESS");

    const clusterBusy = await sdkFailure(t.ecs.send(new DeleteClusterCommand({ cluster: "svc" })));
    assert.equal(clusterBusy.name, "ClusterContainsServicesException");
    await t.ecs.send(new UpdateServiceCommand({ cluster: "svc", service: "api", desiredCount: 1 }));
    const scaled = await sdkFailure(t.ecs.send(new DeleteServiceCommand({ cluster: "svc", service: "api" })));
    assert.equal(scaled.name, "InvalidParameterException");
    const draining = await t.ecs.send(new DeleteServiceCommand({ cluster: "svc", service: "api", force: true }));
    assert.equal(draining.service?.status, "DRAINING");
    const inactive = await eventually(async () => {
      const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: "svc", services: ["api"] }));
      return services?.[0]?.status === "INACTIVE" ? services[0] : undefined;
    }, 60_000, "INACTIVE");
    assert.equal(inactive.desiredCount, 0);
    const notActive = await sdkFailure(t.ecs.send(new UpdateServiceCommand({ cluster: "svc", service: "api", desiredCount: 1 })));
    assert.equal(notActive.name, "ServiceNotActiveException");
    assert.deepEqual((await t.ecs.send(new ListServicesCommand({ cluster: "svc" }))).serviceArns, []);
  });
});

describe("tags", () => {
  it("lists account settings with AWS's defaults and keeps what PutAccountSetting sets", async () => {
    const before = await t.ecs.send(new ListAccountSettingsCommand({ name: "containerInsights" }));
    assert.equal(before.settings?.[0]?.value, "disabled");
    await t.ecs.send(new PutAccountSettingCommand({ name: "containerInsights", value: "enabled" }));
    const after = await t.ecs.send(new ListAccountSettingsCommand({ name: "containerInsights" }));
    assert.equal(after.settings?.[0]?.value, "enabled");
    const bad = await sdkFailure(t.ecs.send(new PutAccountSettingCommand({ name: "noSuchSetting" as never, value: "x" })));
    assert.equal(bad.name, "InvalidParameterException");
  });

  it("tags clusters, task definitions and services by ARN", async () => {
    const cluster = "arn:aws:ecs:us-east-1:000000000000:cluster/beta";
    await t.ecs.send(new TagResourceCommand({ resourceArn: cluster, tags: [{ key: "a", value: "1" }, { key: "b", value: "2" }] }));
    await t.ecs.send(new UntagResourceCommand({ resourceArn: cluster, tagKeys: ["a"] }));
    assert.deepEqual((await t.ecs.send(new ListTagsForResourceCommand({ resourceArn: cluster }))).tags, [{ key: "b", value: "2" }]);
    const def = "arn:aws:ecs:us-east-1:000000000000:task-definition/worker:1";
    await t.ecs.send(new TagResourceCommand({ resourceArn: def, tags: [{ key: "x", value: "y" }] }));
    assert.deepEqual((await t.ecs.send(new ListTagsForResourceCommand({ resourceArn: def }))).tags, [{ key: "x", value: "y" }]);
    const missing = await sdkFailure(t.ecs.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:ecs:us-east-1:000000000000:cluster/none" })));
    assert.equal(missing.name, "ResourceNotFoundException");
    const bad = await sdkFailure(t.ecs.send(new TagResourceCommand({ resourceArn: cluster, tags: [{ key: "aws:x", value: "1" }] })));
    assert.equal(bad.name, "InvalidParameterException");
  });
});
