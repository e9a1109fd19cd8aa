/** Amazon ECS: clusters, task definitions, tasks and services, run by a container runner (src/engine/containers). */
import type { EcsOperations } from "../../generated/ecs.ts";
import { defineService } from "../service-types.ts";

export const ecsService = defineService<EcsOperations>("ecs", {});
