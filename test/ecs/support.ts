/** Shared set-up for the ECS tests: a Stratus, SDK clients, the default VPC's subnets, task definition inputs. */
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeTasksCommand, ECSClient, type RegisterTaskDefinitionCommandInput, type Task } from "@aws-sdk/client-ecs";
import { clientConfig, startStratus, type RunningStratus, type StartOptions } from "../support/server.ts";

export interface EcsTestServer {
  server: RunningStratus;
  ecs: ECSClient;
  ec2: EC2Client;
  close: () => Promise<void>;
}

export async function startEcs(options: StartOptions = {}): Promise<EcsTestServer> {
  const server = await startStratus(options);
  const ecs = new ECSClient(clientConfig(server.endpoint));
  const ec2 = new EC2Client(clientConfig(server.endpoint));
  return {
    server,
    ecs,
    ec2,
    close: async () => {
      ecs.destroy();
      ec2.destroy();
      await server.stop();
    },
  };
}

/** The default VPC's subnets (EC2 makes the default VPC on first use). */
export async function defaultSubnets(ec2: EC2Client): Promise<Array<{ id: string; cidr: string }>> {
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }));
  return (Subnets ?? []).map((s) => ({ id: s.SubnetId ?? "", cidr: s.CidrBlock ?? "" }));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls DescribeTasks until the predicate holds (or the time is up, then the last state is returned for the assertion). */
export async function waitTask(ecs: ECSClient, cluster: string, taskArn: string, done: (task: Task) => boolean, timeoutMs = 60_000): Promise<Task> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    const task = tasks?.[0];
    if (task && (done(task) || Date.now() > deadline)) return task;
    if (!task && Date.now() > deadline) throw new Error(`task ${taskArn} not found`);
    await sleep(100);
  }
}

/** Polls until `check` returns a value (or throws the last error after the timeout). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Whether an IPv4 address lies inside a CIDR block. */
export function inCidr(ip: string, cidr: string): boolean {
  const [base = "", bits = "32"] = cidr.split("/");
  const toInt = (v: string): number => v.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
  const mask = 2 ** 32 - 2 ** (32 - Number(bits));
  return Math.floor(toInt(ip) / 2 ** (32 - Number(bits))) === Math.floor(toInt(base) / 2 ** (32 - Number(bits))) && mask > 0;
}

/** A Fargate task definition with one busybox container. */
export function fargateDefinition(family: string, image: string, command: string[], extra: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput {
  return {
    family,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    containerDefinitions: [{ name: "app", image, command, essential: true }],
    ...extra,
  };
}
