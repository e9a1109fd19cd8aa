/** EC2 benchmark: RunInstances throughput and DescribeInstances over 1,000 (and 10,000) instances, Stratus beside Moto. */
import { Agent, request } from "node:http";
import { memoryMb, startMotoPeer, startStratusPeer, type StartedPeer } from "./peers.ts";

const EC2_HEADERS = {
  "content-type": "application/x-www-form-urlencoded; charset=utf-8",
  authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
};
/** An Amazon Linux image both servers know (Moto's catalogue is part of Stratus's). */
const IMAGE_ID = "ami-760aaa0f";
const BATCH = 100;
/** Batches rotate over zones: a default subnet (/20) holds about 4,000 instances. */
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"];
const FLEET = 1_000;
const BIG_FLEET = Number(process.env.BENCH_EC2_BIG ?? 10_000);

interface Timed {
  /** Until the response headers arrived: the server's work, as the server sends headers only with the finished body. */
  firstByteMs: number;
  totalMs: number;
  body: string;
}

function call(agent: Agent, endpoint: URL, params: Record<string, string>): Promise<Timed> {
  const body = new URLSearchParams({ Version: "2016-11-15", ...params }).toString();
  return new Promise((resolveCall, reject) => {
    const started = performance.now();
    const req = request(
      { agent, host: endpoint.hostname, port: endpoint.port, method: "POST", path: "/", headers: { ...EC2_HEADERS, "content-length": Buffer.byteLength(body) } },
      (res) => {
        const firstByteMs = performance.now() - started;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) reject(new Error(`${params.Action ?? "?"}: status ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolveCall({ firstByteMs, totalMs: performance.now() - started, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

const countInstances = (xml: string): number => (xml.match(/<instanceId>/g) ?? []).length;

/**
 * Launches `count` instances in batches of BATCH; returns instances per second at the median batch (one GC pause or
 * a neighbour's burst on a 2-core machine would otherwise decide a figure made of a few batches), for both peers alike.
 */
async function launch(agent: Agent, endpoint: URL, count: number, extra: Record<string, string> = {}): Promise<number> {
  const rates: number[] = [];
  let launched = 0;
  for (let batch = 0; launched < count; batch++) {
    const n = Math.min(BATCH, count - launched);
    const zone = ZONES[batch % ZONES.length] ?? "us-east-1a";
    const started = performance.now();
    const out = await call(agent, endpoint, { Action: "RunInstances", ImageId: IMAGE_ID, InstanceType: "t3.micro", MinCount: String(n), MaxCount: String(n), "Placement.AvailabilityZone": zone, ...extra });
    const got = countInstances(out.body);
    rates.push(got / ((performance.now() - started) / 1000));
    launched += got;
  }
  return median(rates);
}

/** A whole DescribeInstances listing, following NextToken (Moto pages on its own); server time summed over pages. */
async function describeAll(agent: Agent, endpoint: URL, filters: Record<string, string> = {}): Promise<{ firstByteMs: number; totalMs: number; instances: number }> {
  let token: string | undefined;
  let firstByteMs = 0;
  let totalMs = 0;
  let instances = 0;
  do {
    const out = await call(agent, endpoint, { Action: "DescribeInstances", ...filters, ...(token ? { NextToken: token } : {}) });
    firstByteMs += out.firstByteMs;
    totalMs += out.totalMs;
    instances += countInstances(out.body);
    token = /<nextToken>([^<]+)<\/nextToken>/.exec(out.body)?.[1];
  } while (token);
  return { firstByteMs, totalMs, instances };
}

async function describeMedian(agent: Agent, endpoint: URL, runs: number, filters: Record<string, string> = {}) {
  await describeAll(agent, endpoint, filters);
  const samples: Array<{ firstByteMs: number; totalMs: number; instances: number }> = [];
  for (let i = 0; i < runs; i++) samples.push(await describeAll(agent, endpoint, filters));
  return { firstByteMs: median(samples.map((s) => s.firstByteMs)), totalMs: median(samples.map((s) => s.totalMs)), instances: samples[0]?.instances ?? 0 };
}

const BY_TAG = { "Filter.1.Name": "tag:role", "Filter.1.Value.1": "db" };
const BY_TYPE_AND_STATE = { "Filter.1.Name": "instance-type", "Filter.1.Value.1": "t3.small", "Filter.2.Name": "instance-state-name", "Filter.2.Value.1": "running" };
const DB_TAGS = { "TagSpecification.1.ResourceType": "instance", "TagSpecification.1.Tag.1.Key": "role", "TagSpecification.1.Tag.1.Value": "db", InstanceType: "t3.small" };

interface FleetFigures {
  runPerSecond: number;
  full: Awaited<ReturnType<typeof describeMedian>>;
  byTag: Awaited<ReturnType<typeof describeMedian>>;
  byTypeAndState: Awaited<ReturnType<typeof describeMedian>>;
}

/** 900 plain instances and 100 tagged role=db (t3.small), then the three listings. */
async function fleet(peer: StartedPeer, runs: number): Promise<FleetFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const endpoint = new URL(peer.endpoint);
  await call(agent, endpoint, { Action: "DescribeInstances" });
  // The first launches load the catalogue, create the default VPC and warm V8's JIT (the first ~4 batches run up
  // to 2× slower): the figure is the steady-state rate, for both peers alike.
  await launch(agent, endpoint, 300);
  const runPerSecond = await launch(agent, endpoint, FLEET - 400);
  await launch(agent, endpoint, 100, DB_TAGS);
  await new Promise((r) => setTimeout(r, 1_000)); // let them reach running
  const full = await describeMedian(agent, endpoint, runs);
  const byTag = await describeMedian(agent, endpoint, runs, BY_TAG);
  const byTypeAndState = await describeMedian(agent, endpoint, runs, BY_TYPE_AND_STATE);
  agent.destroy();
  return { runPerSecond, full, byTag, byTypeAndState };
}

async function bigFleet(peer: StartedPeer) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const endpoint = new URL(peer.endpoint);
  const runPerSecond = await launch(agent, endpoint, BIG_FLEET - FLEET);
  await new Promise((r) => setTimeout(r, 1_000));
  const memory = memoryMb(peer.child.pid ?? 0);
  const full = await describeMedian(agent, endpoint, 3);
  const byTag = await describeMedian(agent, endpoint, 5, BY_TAG);
  const afterListing = memoryMb(peer.child.pid ?? 0);
  agent.destroy();
  return { runPerSecond, full, byTag, memory, afterListing };
}

const fmt = (value: number, digits = 1): string => value.toFixed(digits);
const ms = (value: number): string => `${fmt(value)} ms`;

export async function runEc2Bench(): Promise<void> {
  console.log("");
  console.log(`EC2: RunInstances in batches of ${BATCH} (rate at the median batch, after a 300-instance warm-up), DescribeInstances over ${FLEET} instances (Stratus also ${BIG_FLEET}); server time = until the response headers arrive`);
  const stratusPeer = await startStratusPeer();
  let stratus: FleetFigures;
  let big: Awaited<ReturnType<typeof bigFleet>>;
  try {
    stratus = await fleet(stratusPeer, 20);
    big = await bigFleet(stratusPeer);
  } finally {
    await stratusPeer.stop();
  }
  const motoPeer = await startMotoPeer();
  let moto: FleetFigures;
  try {
    moto = await fleet(motoPeer, 3);
  } finally {
    await motoPeer.stop();
  }
  const ratio = (a: number, b: number): string => `${fmt(a / b)}×`;
  const rows: Array<[string, string, string, string, string]> = [
    ["RunInstances, instances/s", fmt(stratus.runPerSecond, 0), fmt(moto.runPerSecond, 0), ratio(stratus.runPerSecond, moto.runPerSecond), "≥ 20× Moto"],
    [`DescribeInstances, all ${stratus.full.instances} — server`, ms(stratus.full.firstByteMs), ms(moto.full.firstByteMs), ratio(moto.full.firstByteMs, stratus.full.firstByteMs), "≤ 20 ms"],
    [`DescribeInstances, all ${stratus.full.instances} — round trip`, ms(stratus.full.totalMs), ms(moto.full.totalMs), ratio(moto.full.totalMs, stratus.full.totalMs), ""],
    [`  filtered tag:role=db (${stratus.byTag.instances})`, ms(stratus.byTag.totalMs), ms(moto.byTag.totalMs), ratio(moto.byTag.totalMs, stratus.byTag.totalMs), ""],
    [`  filtered type+state (${stratus.byTypeAndState.instances})`, ms(stratus.byTypeAndState.totalMs), ms(moto.byTypeAndState.totalMs), ratio(moto.byTypeAndState.totalMs, stratus.byTypeAndState.totalMs), ""],
    [`RunInstances up to ${BIG_FLEET}, instances/s`, fmt(big.runPerSecond, 0), "—", "", ""],
    [`DescribeInstances, all ${big.full.instances} — server`, ms(big.full.firstByteMs), "—", "", ""],
    [`DescribeInstances, all ${big.full.instances} — round trip`, ms(big.full.totalMs), "—", "", ""],
    [`  filtered tag:role=db (${big.byTag.instances})`, ms(big.byTag.totalMs), "—", "", ""],
    [`RSS with ${BIG_FLEET} instances`, `${fmt(big.memory.rss)} MB`, "—", "", ""],
    [`private memory with ${BIG_FLEET} instances`, `${fmt(big.memory.private)} MB`, "—", "", ""],
    [`RSS after listing them all`, `${fmt(big.afterListing.rss)} MB`, "—", "", ""],
  ];
  const header: [string, string, string, string, string] = ["EC2 measure", "Stratus", "Moto", "ratio", "target"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  for (const row of [header, ...rows]) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
}

if (import.meta.main) await runEc2Bench();
