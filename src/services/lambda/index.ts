/** AWS Lambda: functions, versions, aliases, policies, concurrency and Invoke, run by the process runner (src/engine/lambda). */
import type { LambdaOperations } from "../../generated/lambda.ts";
import { defineService } from "../service-types.ts";
import { eventConfigHandlers } from "./event-config.ts";
import { functionHandlers } from "./functions.ts";
import { invokeHandlers, resumeLambda } from "./invoke.ts";
import { layerHandlers } from "./layers.ts";
import { urlHandlers } from "./urls.ts";
import { miscHandlers } from "./misc.ts";
import { versionHandlers } from "./versions.ts";

export const lambdaService = defineService<LambdaOperations>("lambda", {
  ...functionHandlers,
  ...versionHandlers,
  ...miscHandlers,
  ...invokeHandlers,
  ...layerHandlers,
  ...urlHandlers,
  ...eventConfigHandlers,
}, { resume: resumeLambda });
