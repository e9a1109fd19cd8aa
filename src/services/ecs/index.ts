/** Amazon ECS: clusters, task definitions, tasks and services, run by a container runner (src/engine/containers). */
// Gaps: capacity providers other than FARGATE/FARGATE_SPOT, task sets and external deployment controllers (CODE_DEPLOY,
// EXTERNAL), service connect, attributes, ExecuteCommand, task protection, service deployments/revisions APIs, daemons,
// express gateway services and the agent's Submit*StateChange calls answer NotImplemented.
import type { EcsOperations } from "../../generated/ecs.ts";
import type { StateStore } from "../../state/state-store.ts";
import { defineService, type HandlerTable, type RequestContext, type ServiceDefinition } from "../service-types.ts";
import { clusterHandlers } from "./clusters.ts";
import { containerInstanceHandlers } from "./container-instances.ts";
import "./reconciler.ts";
import { attachRuntime } from "./runtime.ts";
import { serviceHandlers } from "./services.ts";
import { tagHandlers } from "./tags.ts";
import { taskDefinitionHandlers } from "./task-definitions.ts";
import { taskHandlers } from "./tasks.ts";

const handlers: HandlerTable<EcsOperations> = {
  ...clusterHandlers,
  ...taskDefinitionHandlers,
  ...taskHandlers,
  ...serviceHandlers,
  ...containerInstanceHandlers,
  ...tagHandlers,
};

/** Every handler first attaches the runtime: the first ECS request of a process recovers tasks and starts the scheduler. */
const attached = Object.fromEntries(
  Object.entries(handlers).map(([name, handler]) => [
    name,
    (input: never, ctx: Parameters<typeof attachRuntime>[0]) => {
      attachRuntime(ctx);
      return (handler as (input: never, ctx: Parameters<typeof attachRuntime>[0]) => unknown)(input, ctx);
    },
  ]),
) as HandlerTable<EcsOperations>;

/**
 * At start-up, when the data directory holds tasks or services: the same recovery as the first request would do (tasks
 * of the previous run STOPPED, the scheduler running), so services come back without waiting for an ECS call.
 */
function resume(state: StateStore, endpoint: string): void {
  // Recovery walks every scope that holds tasks or services; the context's own scope only names who is "calling".
  const ctx: RequestContext = { requestId: "", account: "000000000000", region: "us-east-1", accessKeyId: "", service: "ecs", operation: "resume", endpoint, state };
  state.transaction(() => attachRuntime(ctx));
}

export const ecsService: ServiceDefinition = defineService<EcsOperations>("ecs", attached, { resume });
