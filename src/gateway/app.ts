/** The long-lived pieces a running Stratus shares across requests. */
import { ModelRegistry } from "../protocol/model-registry.ts";
import { StateStore } from "../state/state-store.ts";
import { ServiceDetector } from "./detect.ts";
import type { StratusConfig } from "../config.ts";

export interface App {
  readonly config: StratusConfig;
  readonly models: ModelRegistry;
  readonly detector: ServiceDetector;
  readonly state: StateStore;
  readonly startedAt: number;
  readonly version: string;
  /** Set once the server listens: the URL clients use. */
  endpoint: string;
}

export function createApp(config: StratusConfig, state: StateStore, version: string): App {
  const models = new ModelRegistry();
  return {
    config,
    models,
    detector: new ServiceDetector(models.index),
    state,
    startedAt: Date.now(),
    version,
    endpoint: `http://${config.host}:${config.port}`,
  };
}
