/** `node bench/registry.ts`: skopeo push and pull throughput of one ~80 MB random-content image to Stratus's registry vs Debian's reference registry (docker-registry), interleaved in the same run. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { clientConfig, startStratus } from "../test/support/server.ts";
import { freePort } from "./peers.ts";

const RUNS = Number(process.env.BENCH_REGISTRY_RUNS ?? 7);
const LAYERS = Number(process.env.BENCH_REGISTRY_LAYERS ?? 4);
const LAYER_MB = Number(process.env.BENCH_REGISTRY_LAYER_MB ?? 20);
/** Pulls of each registry per run (a pull is cheap next to starting registries and pushing). */
const PULLS = Number(process.env.BENCH_REGISTRY_PULLS ?? 3);
const IMAGE_TAG = "stratus-bench/registry:latest";

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

function must(command: string, args: string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(command, args, { encoding: "utf8", cwd: options.cwd, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** An image of LAYERS random (incompressible) layers, built locally, saved once as an OCI layout with gzip layers. */
function buildImage(work: string): { layout: string; bytes: number } {
  const context = join(work, "context");
  must("mkdir", ["-p", context]);
  const lines = ["FROM scratch"];
  for (let i = 0; i < LAYERS; i++) {
    writeFileSync(join(context, `random-${i}`), randomBytes(LAYER_MB * 1024 * 1024));
    lines.push(`COPY random-${i} /random-${i}`);
  }
  writeFileSync(join(context, "Dockerfile"), `${lines.join("\n")}\n`);
  must("docker", ["build", "-q", "-t", IMAGE_TAG, context]);
  rmSync(context, { recursive: true, force: true });
  const layout = join(work, "oci");
  must("skopeo", ["copy", "--dest-compress", "--dest-compress-format", "gzip", `docker-daemon:${IMAGE_TAG}`, `oci:${layout}:bench`]);
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  const manifestDigest = index.manifests[0]?.digest.slice("sha256:".length) ?? "";
  const manifest = JSON.parse(readFileSync(join(layout, "blobs", "sha256", manifestDigest), "utf8")) as { config: { size: number }; layers: Array<{ size: number }> };
  const bytes = manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
  return { layout, bytes };
}

interface Target {
  /** host:port */
  host: string;
  creds: string[];
  stop(): Promise<void>;
}

async function startReference(work: string): Promise<Target> {
  const port = await freePort();
  const root = mkdtempSync(join(work, "reference-"));
  const config = join(root, "config.yml");
  writeFileSync(
    config,
    ["version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true", "storage:", "  filesystem:", `    rootdirectory: ${join(root, "data")}`, "http:", `  addr: 127.0.0.1:${port}`, ""].join("\n"),
  );
  const child = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200) break;
    } catch {
      await new Promise((resolvePause) => setTimeout(resolvePause, 50));
    }
  }
  return {
    host: `127.0.0.1:${port}`,
    creds: [],
    stop: async () => {
      const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function startStratusTarget(work: string): Promise<Target> {
  const dataDir = mkdtempSync(join(work, "stratus-"));
  const server = await startStratus({ dataDir });
  const ecr = new ECRClient(clientConfig(server.endpoint));
  await ecr.send(new CreateRepositoryCommand({ repositoryName: "bench" }));
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
  ecr.destroy();
  const password = Buffer.from(authorizationData?.[0]?.authorizationToken ?? "", "base64").toString("utf8").slice("AWS:".length);
  return {
    host: `127.0.0.1:${server.port}`,
    creds: [`AWS:${password}`],
    stop: async () => {
      await server.stop();
    },
  };
}

/**
 * Where pulls land: skopeo fsyncs every blob it writes, so on a disk shared with other work the pull time is mostly the
 * disk's; a tmpfs (/dev/shm) leaves the registry and the network path as what is measured. BENCH_REGISTRY_PULL_DIR overrides.
 */
function pullRoot(work: string): string {
  return process.env.BENCH_REGISTRY_PULL_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : work);
}

type Name = "stratus" | "reference";
type Samples = Record<Name, { push: number[]; pull: number[] }>;

/** Times one skopeo copy; dirty pages of the previous step are flushed first so their writeback does not land in this one. */
function timedCopy(args: string[]): number {
  spawnSync("sync");
  const started = performance.now();
  must("skopeo", ["copy", "--quiet", ...args]);
  return (performance.now() - started) / 1000;
}

/**
 * One run: a fresh Stratus and a fresh reference registry (new ports: skopeo's blob cache cannot turn a push into a
 * mount), pushed in turn, then pulled in turn PULLS times each into fresh directories. The order alternates between
 * runs, so neither registry always goes first (warmer page cache, or the other's leftover writeback).
 */
async function run(index: number, layout: string, work: string, mb: number, samples: Samples): Promise<void> {
  const stratus = await startStratusTarget(work);
  const reference = await startReference(work).catch(async (error: unknown) => {
    await stratus.stop();
    throw error;
  });
  const targets: Record<Name, Target> = { stratus, reference };
  const order: Name[] = index % 2 === 0 ? ["stratus", "reference"] : ["reference", "stratus"];
  try {
    for (const name of order) {
      const target = targets[name];
      const creds = target.creds.length ? ["--dest-creds", target.creds[0] ?? ""] : [];
      samples[name].push.push(mb / timedCopy(["--dest-tls-verify=false", ...creds, `oci:${layout}:bench`, `docker://${target.host}/bench:latest`]));
    }
    for (let pull = 0; pull < PULLS; pull++) {
      for (const name of pull % 2 === 0 ? order : [...order].reverse()) {
        const target = targets[name];
        const creds = target.creds.length ? ["--src-creds", target.creds[0] ?? ""] : [];
        const out = join(pullRoot(work), `stratus-bench-pull-${process.pid}-${name}-${index}-${pull}`);
        try {
          samples[name].pull.push(mb / timedCopy(["--src-tls-verify=false", ...creds, `docker://${target.host}/bench:latest`, `dir:${out}`]));
        } finally {
          rmSync(out, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await targets.stratus.stop();
    await targets.reference.stop();
  }
}

/** Why the benchmark cannot run here (no engine, or a missing client or reference registry), or undefined. */
function missingTool(): string | undefined {
  if (spawnSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 }).status !== 0) return "no Docker engine reachable";
  for (const tool of ["skopeo", "docker-registry"]) {
    if (spawnSync(tool, ["--version"], { stdio: "ignore" }).error) return `${tool} is not installed`;
  }
  return undefined;
}

export async function benchRegistry(): Promise<void> {
  const missing = missingTool();
  if (missing) {
    console.log(`Registry: skipped (${missing})`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), "stratus-bench-registry-"));
  try {
    const { layout, bytes } = buildImage(work);
    const mb = bytes / (1024 * 1024);
    const samples: Samples = { stratus: { push: [], pull: [] }, reference: { push: [], pull: [] } };
    for (let index = 0; index < RUNS; index++) await run(index, layout, work, mb, samples);
    const layoutFiles = readdirSync(join(layout, "blobs", "sha256")).length;
    console.log(
      `Registry (skopeo copy of one ${mb.toFixed(1)} MB image, ${LAYERS} random layers + config (${layoutFiles} blobs); ` +
        `${RUNS} runs on fresh registries, interleaved; medians of ${RUNS} pushes and ${RUNS * PULLS} pulls each, pulled into ${pullRoot(work)})`,
    );
    const rows: Array<[string, string, string, string, string]> = [["", "Stratus", "docker-registry", "ratio (target ≥ 1.0)", "Stratus / docker-registry range"]];
    const range = (values: number[]): string => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
    for (const phase of ["push", "pull"] as const) {
      const stratus = median(samples.stratus[phase]);
      const reference = median(samples.reference[phase]);
      rows.push([
        `${phase} throughput`,
        `${stratus.toFixed(1)} MB/s`,
        `${reference.toFixed(1)} MB/s`,
        `${(stratus / reference).toFixed(2)}×`,
        `${range(samples.stratus[phase])} / ${range(samples.reference[phase])} MB/s`,
      ]);
    }
    const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
    for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  "));
  } finally {
    spawnSync("docker", ["rmi", "-f", IMAGE_TAG], { stdio: "ignore" });
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRegistry();
