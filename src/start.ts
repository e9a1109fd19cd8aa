/** Starts Stratus in the foreground: opens state, listens, prints the Ready line, stops cleanly on signals. */
import { RecordDatabase } from "./state/database.ts";
import { StateStore } from "./state/state-store.ts";
import { createApp } from "./gateway/app.ts";
import { createStratusServer } from "./gateway/server.ts";
import { log } from "./shared/log.ts";
import { runShutdownHooks } from "./shared/shutdown.ts";
import type { StratusConfig } from "./config.ts";

function fail(message: string): never {
  process.stderr.write(`stratus: ${message}\n`);
  process.exit(1);
}

function openState(config: StratusConfig): StateStore {
  if (config.ephemeral) return new StateStore(undefined);
  try {
    return new StateStore(new RecordDatabase(config.dataDir));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    fail(`cannot use data directory ${config.dataDir} (${reason}); choose another with --data-dir or use --ephemeral`);
  }
}

export async function startStratus(config: StratusConfig, version: string): Promise<void> {
  const state = openState(config);
  const app = createApp(config, state, version);
  const server = createStratusServer(app);
  await new Promise<void>((resolveListen) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") fail(`port ${config.port} on ${config.host} is already in use (another Stratus?); choose another with --port`);
      if (error.code === "EACCES") fail(`not allowed to listen on ${config.host}:${config.port}`);
      fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`);
    });
    server.listen(config.port, config.host, resolveListen);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shownHost = config.host.includes(":") ? `[${config.host}]` : config.host;
  app.endpoint = `http://${shownHost}:${port}`;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Stratus stopping (${signal})\n`);
    // Containers and other runners stop first (they may still report into state), then the server and the database.
    setTimeout(() => process.exit(0), 15_000).unref();
    void runShutdownHooks(10_000).then(() => {
      server.close(() => {
        state.close();
        process.exit(0);
      });
      server.closeAllConnections();
    });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  // Only now say Ready: whoever waits for that line may signal us at once.
  process.stdout.write(
    `Stratus ${version}\n` +
      `Endpoint: ${app.endpoint}\n` +
      `Data: ${config.ephemeral ? "in memory (--ephemeral)" : config.dataDir}\n` +
      `Stratus ready on ${app.endpoint}\n`,
  );
  // Work accepted before a restart or crash (queued Lambda events, ECS tasks and services) picks up again.
  setImmediate(() => {
    import("./services/registry.ts")
      .then(({ resumeBackgroundWork }) => resumeBackgroundWork(state, app.endpoint))
      .catch((error: unknown) => log.error("could not resume background work", error));
  });
}
