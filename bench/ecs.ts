/** `node bench/ecs.ts`: RunTask → RUNNING latency through the SDK against a plain `docker run -d` of the same image and command (on the task's network, and with none). */
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

/** The peer: how long `docker run -d` takes to return (the container started); removed afterwards, untimed. */
function dockerRunTime(image: string, network: string): number {
  const started = performance.now();
  const result = spawnSync("docker", ["run", "-d", "--network", network, image, ...COMMAND], { encoding: "utf8" });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`docker run failed: ${result.stderr}`);
  spawnSync("docker", ["rm", "-f", result.stdout.trim()], { stdio: "ignore" });
  return elapsed;
}

/** The Docker network a container is attached to (the runner's internal task network). */
function networkOf(containerId: string): string {
  const result = spawnSync("docker", ["inspect", "-f", "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{end}}", containerId], { encoding: "utf8" });
  return result.stdout.trim() || "none";
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
    const sameNetworkTimes: number[] = [];
    const noNetworkTimes: number[] = [];
    let network = "none";
    const describe = async (arn: string) => (await ecs.send(new DescribeTasksCommand({ cluster: "bench", tasks: [arn] }))).tasks?.[0];
    // Runs alternate (task, docker run on the task's network, docker run --network none) so load affects all alike.
    // One warm-up task (first use of the runner: network, metadata endpoint) is not counted.
    for (let i = 0; i <= RUNS; i++) {
      const started = performance.now();
      const run = await ecs.send(new RunTaskCommand({ cluster: "bench", taskDefinition: "bench", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } } }));
      const arn = run.tasks?.[0]?.taskArn ?? "";
      for (;;) {
        const task = await describe(arn);
        if (task?.lastStatus === "RUNNING") {
          if (i === 0) network = networkOf(task.containers?.[0]?.runtimeId ?? "");
          break;
        }
        if (task?.lastStatus === "STOPPED") throw new Error(`bench task stopped: ${task.stoppedReason ?? ""}`);
        await sleep(POLL_MS);
      }
      if (i > 0) ecsTimes.push(performance.now() - started);
      // The stopped task's containers are removed before the next measure (as `docker rm -f` is for the peer).
      await ecs.send(new StopTaskCommand({ cluster: "bench", task: arn }));
      while ((await describe(arn))?.lastStatus !== "STOPPED") await sleep(POLL_MS);
      if (i === 0) continue;
      sameNetworkTimes.push(dockerRunTime(image, network));
      noNetworkTimes.push(dockerRunTime(image, "none"));
    }
    const ratio = median(ecsTimes) / median(sameNetworkTimes);
    console.log(`ECS (busybox \`${COMMAND.join(" ")}\`, ${RUNS} runs; RunTask until DescribeTasks shows RUNNING, polled every ${POLL_MS} ms)`);
    const rows: Array<[string, string, string]> = [
      ["RunTask → RUNNING, Fargate/awsvpc (min / median)", `${fmt(Math.min(...ecsTimes))} / ${fmt(median(ecsTimes))} ms`, ""],
      [`docker run -d --network ${network} (min / median)`, `${fmt(Math.min(...sameNetworkTimes))} / ${fmt(median(sameNetworkTimes))} ms`, "same network as the task"],
      ["docker run -d --network none (min / median)", `${fmt(Math.min(...noNetworkTimes))} / ${fmt(median(noNetworkTimes))} ms`, "no network at all"],
      // A plain `docker run` puts the container on a bridge network; Stratus's safety rule keeps containers off routed
      // networks, so the like-for-like peer is `docker run` on the same internal bridge the task uses (attaching a
      // network costs Docker ~60 ms that `--network none` skips: that figure is shown for reference).
      ["ratio (median, same network)", `${ratio.toFixed(2)}×`, "≤ 1.3×"],
      ["ratio (median, vs --network none)", `${(median(ecsTimes) / median(noNetworkTimes)).toFixed(2)}×`, ""],
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
