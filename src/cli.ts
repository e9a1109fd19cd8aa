/** The `stratus` command: start (foreground), status and reset. */
import { readFileSync } from "node:fs";
import { ConfigError, loadConfig, type StratusConfig } from "./config.ts";
import { startStratus } from "./start.ts";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const USAGE = `Usage: stratus <command> [options]

Commands:
  start     run Stratus in the foreground (Ctrl-C stops it)
  status    show whether Stratus is running and what it serves
  reset     delete all state (of a running Stratus, or in the data directory)

Options (environment variable in brackets):
  --host HOST        address to bind (STRATUS_HOST, default 127.0.0.1)
  --port PORT        port to listen on (STRATUS_PORT, default 4566; 0 picks a free port)
  --data-dir DIR     where state is kept (STRATUS_DATA_DIR, default ~/.stratus)
  --ephemeral        keep state in memory only (STRATUS_EPHEMERAL=1)
`;

function fail(message: string): never {
  process.stderr.write(`stratus: ${message}\n`);
  process.exit(1);
}

async function fetchAdmin(config: StratusConfig, method: string, path: string): Promise<Response | undefined> {
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  try {
    return await fetch(`http://${host}:${config.port}${path}`, { method, signal: AbortSignal.timeout(3000) });
  } catch {
    return undefined;
  }
}

async function status(config: StratusConfig): Promise<void> {
  const response = await fetchAdmin(config, "GET", "/_stratus/health");
  if (!response?.ok) fail(`not running on ${config.host}:${config.port}`);
  const health = (await response.json()) as { version: string; endpoint: string; uptimeSeconds: number; persistence: { mode: string; dataDir?: string }; services: Record<string, { status: string }> };
  const available = Object.entries(health.services).filter(([, s]) => s.status === "available").map(([id]) => id);
  process.stdout.write(
    `Stratus ${health.version} running on ${health.endpoint} for ${health.uptimeSeconds}s\n` +
      `State: ${health.persistence.mode}${health.persistence.dataDir ? ` (${health.persistence.dataDir})` : ""}\n` +
      `Services with handlers: ${available.join(", ")}\n`,
  );
}

async function reset(config: StratusConfig): Promise<void> {
  const response = await fetchAdmin(config, "POST", "/_stratus/reset");
  if (response?.ok) {
    process.stdout.write(`Reset the state of the Stratus running on ${config.host}:${config.port}\n`);
    return;
  }
  const { RecordDatabase } = await import("./state/database.ts");
  try {
    const db = new RecordDatabase(config.dataDir);
    db.deleteAll();
    db.close();
  } catch (error) {
    fail(`cannot reset ${config.dataDir}: ${(error as Error).message}`);
  }
  process.stdout.write(`Reset the state in ${config.dataDir}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return;
  }
  if (command === "--version" || command === "version") {
    process.stdout.write(`${version}\n`);
    return;
  }
  let config: StratusConfig;
  try {
    config = loadConfig(rest);
  } catch (error) {
    if (error instanceof ConfigError) fail(`${error.message}\n${USAGE}`);
    throw error;
  }
  if (command === "start") await startStratus(config, version);
  else if (command === "status") await status(config);
  else if (command === "reset") await reset(config);
  else fail(`unknown command ${command}\n${USAGE}`);
}

await main(process.argv.slice(2));
