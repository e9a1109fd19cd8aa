/** Stratus configuration: command-line flags, then STRATUS_* environment variables, then defaults. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface StratusConfig {
  host: string;
  port: number;
  dataDir: string;
  ephemeral: boolean;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
}

export class ConfigError extends Error {}

const DEFAULT_MAX_BODY = 128 * 1024 * 1024;

/** Reads `--name value` / `--name=value` flags; boolean flags stand alone. */
export function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (arg === "--ephemeral") {
      flags.set("ephemeral", "true");
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new ConfigError(`${arg} needs a value`);
      flags.set(arg.slice(2), next);
      i++;
    }
  }
  return flags;
}

const KNOWN_FLAGS = new Set(["host", "port", "data-dir", "ephemeral", "max-body-bytes"]);

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): StratusConfig {
  const flags = parseFlags(argv);
  for (const name of flags.keys()) {
    if (!KNOWN_FLAGS.has(name)) throw new ConfigError(`unknown option --${name}`);
  }
  const port = Number(flags.get("port") ?? env.STRATUS_PORT ?? 4566);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`invalid port ${String(flags.get("port") ?? env.STRATUS_PORT)}`);
  const maxBodyBytes = Number(flags.get("max-body-bytes") ?? env.STRATUS_MAX_BODY_BYTES ?? DEFAULT_MAX_BODY);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new ConfigError("invalid --max-body-bytes");
  const ephemeralValue = flags.get("ephemeral") ?? env.STRATUS_EPHEMERAL ?? "";
  return {
    host: flags.get("host") ?? env.STRATUS_HOST ?? "127.0.0.1",
    port,
    dataDir: resolve(flags.get("data-dir") ?? env.STRATUS_DATA_DIR ?? join(homedir(), ".stratus")),
    ephemeral: ephemeralValue === "true" || ephemeralValue === "1",
    maxBodyBytes,
  };
}
