/** `node bench/ecs.ts`: RunTask → RUNNING latency through the SDK against a plain `docker run -d --network none` of the same image and command. */
import { spawnSync } from "node:child_process";
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { busyboxImage, dockerAvailable } from "../test/support/docker.ts";
import { clientConfig, startStratus } from "../test/support/server.ts";

const RUNS = Number(process.env.BENCH_ECS_RUNS ?? 10);
const POLL_MS = 15;
const COMMAND = ["sleep", "3600"];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const fmt = (value: number): string => value.toFixed(0);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The peer: how long `docker run -d` takes to return (the container started), removed afterwards. */
function dockerRunTimes(image: string): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = spawnSync("docker", ["run", "-d", "--network", "none", image, ...COMMAND], { encoding: "utf8" });
    times.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`docker run failed: ${result.stderr}`);
    spawnSync("docker", ["rm", "-f", result.stdout.trim()], { stdio: "ignore" });
  }
  return times;
}

export async function benchEcs(): Promise<void> {
  if (!dockerAvailable()) {
    console.log("ECS: skipped (no Docker engine reachable)");
    return;
  }
  const image = busyboxImage();
  const server = await startStratus();
  const config = clientConfig(server.endpoint);
  const ecs = new ECSClient(config);
  const ec2 = new EC2Client(config);
  try {
    await ecs.send(new CreateClusterCommand({ clusterName: "bench" }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: "bench",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "app", image, command: COMMAND, stopTimeout: 1 }],
      }),
    );
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }));
    const subnet = Subnets?.[0]?.SubnetId ?? "";
    const ecsTimes: number[] = [];
    const arns: string[] = [];
    // One warm-up task (first use of the runner: network, metadata endpoint), not counted.
    for (let i = 0; i <= RUNS; i++) {
      const started = performance.now();
      const run = await ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "bench", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } } }));
      const arn = run.tasks?.[0]?.taskArn ?? "";
      arns.push(arn);
      for (;;) {
        const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: "bench", tasks: [arn] }));
        const status = tasks?.[0]?.lastStatus;
        if (status === "RUNNING") break;
        if (status === "STOPPED") throw new Error(`bench task stopped: ${tasks?.[0]?.stoppedReason ?? ""}`);
        await sleep(POLL_MS);
      }
      if (i > 0) ecsTimes.push(performance.now() - started);
      await ecs.send(new StopTaskCommand({ cluster: "bench", task: arn }));
    }
    const dockerTimes = dockerRunTimes(image);
    const ratio = median(ecsTimes) / median(dockerTimes);
    console.log(`ECS (busybox \`${COMMAND.join(" ")}\`, ${RUNS} runs; RunTask until DescribeTasks shows RUNNING, polled every ${POLL_MS} ms)`);
    const rows: Array<[string, string, string]> = [
      ["RunTask → RUNNING (min / median)", `${fmt(Math.min(...ecsTimes))} / ${fmt(median(ecsTimes))} ms`, ""],
      ["docker run -d --network none (min / median)", `${fmt(Math.min(...dockerTimes))} / ${fmt(median(dockerTimes))} ms`, ""],
      ["ratio (median)", `${ratio.toFixed(2)}×`, "≤ 1.3×"],
    ];
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
  } finally {
    ecs.destroy();
    ec2.destroy();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchEcs();
