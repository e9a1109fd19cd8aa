/** Amazon ECR: repositories and images, sharing state with the OCI registry (src/registry). */
import type { EcrOperations } from "../../generated/ecr.ts";
import { defineService } from "../service-types.ts";

export const ecrService = defineService<EcrOperations>("ecr", {});
