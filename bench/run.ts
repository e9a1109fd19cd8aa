/** `npm run bench`: start-up, idle memory and small-request throughput of Stratus beside Moto, in one run. */
import { Agent, request } from "node:http";
import { runEc2Bench } from "./ec2.ts";
import { memoryMb, startMotoPeer, startStratusPeer, STS_HEADERS, type StartedPeer } from "./peers.ts";

const STARTS = Number(process.env.BENCH_STARTS ?? 10);
const CONCURRENCY = 8;
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const BODY = "Action=GetCallerIdentity&Version=2011-06-15";

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

async function medianStart(start: () => Promise<StartedPeer>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const peer = await start();
    times.push(peer.readyMs);
    await peer.stop();
  }
  return median(times);
}

function oneRequest(agent: Agent, endpoint: URL): Promise<number> {
  return new Promise((resolveRequest, reject) => {
    const started = performance.now();
    const req = request(
      { agent, host: endpoint.hostname, port: endpoint.port, method: "POST", path: "/", headers: { ...STS_HEADERS, "content-length": Buffer.byteLength(BODY) } },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolveRequest(performance.now() - started) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

/** CONCURRENCY closed loops over keep-alive connections for LOAD_SECONDS, after a short warm-up. */
async function load(peer: StartedPeer): Promise<{ perSecond: number; p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const endpoint = new URL(peer.endpoint);
  const warmUntil = performance.now() + 500;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < warmUntil) await oneRequest(agent, endpoint);
  }));
  const latencies: number[] = [];
  const started = performance.now();
  const stopAt = started + LOAD_SECONDS * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < stopAt) latencies.push(await oneRequest(agent, endpoint));
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function measure(start: () => Promise<StartedPeer>, runs: number) {
  const readyMs = await medianStart(start, runs);
  const peer = await start();
  await new Promise((r) => setTimeout(r, 1000));
  const idle = memoryMb(peer.child.pid ?? 0);
  const throughput = await load(peer);
  await peer.stop();
  return { readyMs, idleRss: idle.rss, idlePrivate: idle.private, ...throughput };
}

const fmt = (value: number, digits = 1): string => value.toFixed(digits);

console.log(`Measuring Stratus (${STARTS} starts) and Moto (${Math.min(STARTS, 5)} starts); load: ${CONCURRENCY} concurrent STS GetCallerIdentity for ${LOAD_SECONDS}s each`);
const stratus = await measure(startStratusPeer, STARTS);
const moto = await measure(startMotoPeer, Math.min(STARTS, 5));
const rows: Array<[string, string, string, string, string]> = [
  ["start → first answer (median)", `${fmt(stratus.readyMs)} ms`, `${fmt(moto.readyMs)} ms`, `${fmt(moto.readyMs / stratus.readyMs)}× faster`, "≤ 100 ms"],
  ["idle RSS", `${fmt(stratus.idleRss)} MB`, `${fmt(moto.idleRss)} MB`, `${fmt(moto.idleRss / stratus.idleRss)}× smaller`, "≤ 50 MB"],
  ["idle private memory (RSS less shared file pages)", `${fmt(stratus.idlePrivate)} MB`, `${fmt(moto.idlePrivate)} MB`, `${fmt(moto.idlePrivate / stratus.idlePrivate)}× smaller`, ""],
  ["requests/s, concurrency 8", fmt(stratus.perSecond, 0), fmt(moto.perSecond, 0), `${fmt(stratus.perSecond / moto.perSecond)}×`, "≥ 20× Moto"],
  ["latency p50", `${fmt(stratus.p50, 2)} ms`, `${fmt(moto.p50, 2)} ms`, `${fmt(moto.p50 / stratus.p50)}× lower`, ""],
  ["latency p99", `${fmt(stratus.p99, 2)} ms`, `${fmt(moto.p99, 2)} ms`, `${fmt(moto.p99 / stratus.p99)}× lower`, ""],
];
const header: [string, string, string, string, string] = ["measure", "Stratus", "Moto", "ratio", "target"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));

// EC2 section (bench/ec2.ts, also runnable alone); BENCH_EC2=0 skips it.
if (process.env.BENCH_EC2 !== "0") await runEc2Bench();

// Lambda section (bench/lambda.ts, also `npm run bench:lambda`); BENCH_LAMBDA=0 skips it.
if (process.env.BENCH_LAMBDA !== "0") await (await import("./lambda.ts")).runLambdaBench();

// Containers (bench/ecs.ts, bench/registry.ts, also runnable alone); they need a Docker engine. BENCH_CONTAINERS=0 skips them.
if (process.env.BENCH_CONTAINERS !== "0") {
  const { dockerReachable } = await import("./peers.ts");
  if (!dockerReachable()) console.log("\nContainers: skipped (no Docker engine reachable)");
  else {
    await (await import("./ecs.ts")).benchEcs();
    await (await import("./registry.ts")).benchRegistry();
  }
}
