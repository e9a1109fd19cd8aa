/** The services with handlers, loaded on first use so start-up reads none of them. */
import type { StateStore } from "../state/state-store.ts";
import type { ServiceDefinition } from "./service-types.ts";

type Loader = () => Promise<ServiceDefinition>;

const LOADERS: Record<string, Loader> = {
  iam: async () => (await import("./iam/index.ts")).iamService,
  sts: async () => (await import("./sts/index.ts")).stsService,
  ec2: async () => (await import("./ec2/index.ts")).ec2Service,
  lambda: async () => (await import("./lambda/index.ts")).lambdaService,
  "cloudwatch-logs": async () => (await import("./logs/index.ts")).logsService,
  ecr: async () => (await import("./ecr/index.ts")).ecrService,
  ecs: async () => (await import("./ecs/index.ts")).ecsService,
};

const loaded = new Map<string, ServiceDefinition>();

/** The service's handler table, or an empty one: every operation then answers NotImplemented. */
export async function serviceDefinition(id: string): Promise<ServiceDefinition> {
  let definition = loaded.get(id);
  if (!definition) {
    const loader = LOADERS[id];
    definition = loader ? await loader() : { id, handlers: {} };
    loaded.set(id, definition);
  }
  return definition;
}

/**
 * Services with background work that must come back after a restart, and the record kinds whose presence on disk
 * says there is some. Only those services are loaded at start-up (after Ready), so an empty data directory costs nothing.
 */
const RESUMABLE: Record<string, string[]> = {
  lambda: ["async-events"],
  ecs: ["task", "service"],
};

export async function resumeBackgroundWork(state: StateStore, endpoint: string): Promise<void> {
  for (const [id, kinds] of Object.entries(RESUMABLE)) {
    if (!kinds.some((kind) => state.hasStoredRecords(id, kind))) continue;
    (await serviceDefinition(id)).resume?.(state, endpoint);
  }
}

export const implementedServices = (): string[] => Object.keys(LOADERS);
