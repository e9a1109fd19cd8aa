/** Minimal leveled logging to stderr (quiet by default in tests via STRATUS_LOG_LEVEL). */

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = keyof typeof LEVELS;

const configured = (process.env.STRATUS_LOG_LEVEL ?? "info") as Level;
const threshold: number = LEVELS[configured] ?? LEVELS.info;

function write(level: Level, message: string, detail?: unknown): void {
  if (LEVELS[level] < threshold) return;
  const suffix = detail instanceof Error ? `\n${detail.stack ?? detail.message}` : detail !== undefined ? ` ${JSON.stringify(detail)}` : "";
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}${suffix}\n`);
}

export const log = {
  debug: (message: string, detail?: unknown) => write("debug", message, detail),
  info: (message: string, detail?: unknown) => write("info", message, detail),
  warn: (message: string, detail?: unknown) => write("warn", message, detail),
  error: (message: string, detail?: unknown) => write("error", message, detail),
};
