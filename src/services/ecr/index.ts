/** Amazon ECR: repositories and images, sharing state with the OCI registry (src/registry). */
// Gaps: replication, pull-through cache rules, repository creation templates, signing and account
// settings answer NotImplemented. Scans (basic) complete at once with no findings; the registry policy is stored, not enforced.
import type { EcrOperations } from "../../generated/ecr.ts";
import { defineService } from "../service-types.ts";
import { imageHandlers } from "./image-handlers.ts";
import { lifecycleHandlers } from "./lifecycle-handlers.ts";
import { registryHandlers } from "./registry-handlers.ts";
import { repositoryHandlers } from "./repositories.ts";
import { settingsHandlers } from "./settings-handlers.ts";

export const ecrService = defineService<EcrOperations>("ecr", {
  ...repositoryHandlers,
  ...imageHandlers,
  ...lifecycleHandlers,
  ...registryHandlers,
  ...settingsHandlers,
});
