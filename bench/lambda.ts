/** `node bench/lambda.ts`: Lambda cold start and warm invoke latency through the SDK, against the floor of spawning `node -e 0`; throughput at concurrency 50. */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { CreateFunctionCommand, InvokeCommand, LambdaClient, waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { clientConfig, startStratus } from "../test/support/server.ts";
import { makeZip } from "../test/support/zip-writer.ts";
import { TRUST } from "../test/lambda/support.ts";

const RUNS = Number(process.env.BENCH_LAMBDA_RUNS ?? 20);
const WARM = Number(process.env.BENCH_LAMBDA_WARM ?? 300);
const CONCURRENCY = Number(process.env.BENCH_LAMBDA_CONCURRENCY ?? 50);
const TOTAL = Number(process.env.BENCH_LAMBDA_TOTAL ?? 1000);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const fmt = (value: number, digits = 1): string => value.toFixed(digits);

/** The floor: a bare node start with a clean environment, as functions get. */
function nodeFloor(): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    spawnSync(process.execPath, ["-e", "0"], { env: {} });
    times.push(performance.now() - started);
  }
  return times;
}

/** Resident memory of the processes under a parent (the environments), in MB. */
function childRssMb(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== parent) continue;
      const tree = [Number(entry)];
      let rss = 0;
      while (tree.length) {
        const pid = tree.pop() ?? 0;
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
        tree.push(...readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number));
      }
      out.push(rss);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const plainAgent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One Invoke of "hello" over node:http (the same request the SDK sends, unsigned: Stratus does not check signatures). */
function plainInvoke(endpoint: string): Promise<number> {
  const url = new URL(endpoint);
  const body = '{"name":"bench"}';
  const headers = {
    "content-type": "application/json",
    "content-length": String(body.length),
    authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0",
  };
  return new Promise((resolveInvoke, reject) => {
    const started = performance.now();
    const req = httpRequest({ agent: plainAgent, host: url.hostname, port: url.port, method: "POST", path: "/2015-03-31/functions/hello/invocations", headers }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 && !res.headers["x-amz-function-error"] ? resolveInvoke(performance.now() - started) : reject(new Error(`invoke: ${res.statusCode ?? 0}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export async function runLambdaBench(): Promise<void> {
  const server = await startStratus({ env: { STRATUS_LAMBDA_CONCURRENCY: String(Math.max(1000, CONCURRENCY * 2)), STRATUS_LAMBDA_TRANSITION_MS: "0" } });
  const config = clientConfig(server.endpoint);
  const iam = new IAMClient(config);
  const lambda = new LambdaClient({ ...config, requestHandler: { httpAgent: { keepAlive: true, maxSockets: CONCURRENCY } } });
  try {
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: "bench", AssumeRolePolicyDocument: TRUST }));
    const zip = makeZip({ "index.js": "exports.handler = async (event) => ({ hello: event.name ?? 'world' });" });
    await lambda.send(new CreateFunctionCommand({ FunctionName: "hello", Runtime: "nodejs22.x", Handler: "index.handler", Role: Role?.Arn ?? "", Code: { ZipFile: zip } }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: "hello" });
    const invoke = async (): Promise<number> => {
      const started = performance.now();
      const result = await lambda.send(new InvokeCommand({ FunctionName: "hello", Payload: Buffer.from('{"name":"bench"}') }));
      if (result.FunctionError) throw new Error(Buffer.from(result.Payload ?? []).toString());
      return performance.now() - started;
    };
    const floor = nodeFloor();
    const cold: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await fetch(`${server.endpoint}/_stratus/lambda/reset-environments`, { method: "POST" });
      // Let the stopped environment finish exiting: its teardown would otherwise compete with the start measured.
      await new Promise((resolvePause) => setTimeout(resolvePause, 100));
      cold.push(await invoke());
    }
    for (let i = 0; i < 20; i++) await invoke();
    const warm: number[] = [];
    for (let i = 0; i < WARM; i++) warm.push(await invoke());
    // The same warm invocation from a bare HTTP client: what the SDK's own work (signing, middleware, parsing) adds.
    const plain: number[] = [];
    for (let i = 0; i < WARM; i++) plain.push(await plainInvoke(server.endpoint));

    // Throughput: TOTAL invocations from CONCURRENCY closed loops (environments scale up to CONCURRENCY).
    let remaining = TOTAL;
    let errors = 0;
    const messages = new Set<string>();
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (remaining-- > 0) {
        try {
          latencies.push(await invoke());
        } catch (error) {
          errors++;
          messages.add(error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : String(error));
        }
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    const envRss = childRssMb(server.process.pid ?? 0);

    console.log(`Lambda (node hello handler through @aws-sdk/client-lambda; ${RUNS} cold starts, ${WARM} warm invokes)`);
    const rows: Array<[string, string, string]> = [
      ["floor: spawn `node -e 0` (min / p50)", `${fmt(Math.min(...floor))} / ${fmt(percentile(floor, 50))} ms`, ""],
      ["cold start invoke (min / p50 / p99)", `${fmt(Math.min(...cold))} / ${fmt(percentile(cold, 50))} / ${fmt(percentile(cold, 99))} ms`, "≤ 80 ms"],
      ["cold start minus floor (p50)", `${fmt(percentile(cold, 50) - percentile(floor, 50))} ms`, ""],
      ["warm invoke (min / p50 / p99)", `${fmt(Math.min(...warm), 2)} / ${fmt(percentile(warm, 50), 2)} / ${fmt(percentile(warm, 99), 2)} ms`, "≤ 2 ms p50"],
      ["warm invoke, bare HTTP client (min / p50 / p99)", `${fmt(Math.min(...plain), 2)} / ${fmt(percentile(plain, 50), 2)} / ${fmt(percentile(plain, 99), 2)} ms`, "the SDK's share is the difference"],
      [`${TOTAL} invokes at concurrency ${CONCURRENCY}`, `${fmt(TOTAL / seconds, 0)}/s, p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms, ${errors} errors`, "no errors"],
      ["memory per warm environment (RSS, median)", `${fmt(percentile(envRss, 50))} MB over ${envRss.length} environments`, ""],
    ];
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
    for (const message of messages) console.log(`  error: ${message}`);
  } finally {
    iam.destroy();
    lambda.destroy();
    plainAgent.destroy();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runLambdaBench();
