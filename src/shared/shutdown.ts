/** Work to finish before Stratus exits (stop containers, close listeners): registered by whoever started it, run once on stop. */

type Hook = () => Promise<void> | void;

const hooks: Hook[] = [];

/** Runs at SIGINT/SIGTERM before the process exits (not after kill -9: crash clean-up needs its own watchdog). */
export function onShutdown(hook: Hook): void {
  hooks.push(hook);
}

/** Runs every hook concurrently; resolves when all have settled or `timeoutMs` passed, whichever is first. */
export async function runShutdownHooks(timeoutMs: number): Promise<void> {
  const pending = hooks.splice(0).map(async (hook) => {
    try {
      await hook();
    } catch (error) {
      process.stderr.write(`stratus: shutdown step failed: ${(error as Error).message}\n`);
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolveDeadline) => {
    timer = setTimeout(resolveDeadline, timeoutMs);
    timer.unref();
  });
  await Promise.race([Promise.all(pending), deadline]);
  clearTimeout(timer);
}
