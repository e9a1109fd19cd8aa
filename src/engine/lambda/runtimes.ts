/** The runtimes the process runner starts: our node and python runtime clients, or the function's own `bootstrap` (provided.*). */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RuntimeLaunch } from "./environment.ts";
import { pythonExecutable } from "./sandbox.ts";
import type { FunctionCredentials, FunctionSpec } from "./types.ts";

/** runtimes/ at the package root (the same distance from src/ and dist/). */
export const RUNTIMES_DIR = fileURLToPath(new URL("../../../runtimes", import.meta.url));

export class RuntimeUnavailable extends Error {}

/** The environment Lambda gives a function: a clean one (nothing of Stratus's own environment leaks in, e.g. NODE_EXTRA_CA_CERTS). */
export function baseEnvironment(spec: FunctionSpec, credentials: FunctionCredentials, taskRoot: string, runtimeRoot: string): Record<string, string> {
  return {
    ...spec.environment,
    PATH: [dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin", "/opt/bin"].join(":"),
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    _HANDLER: spec.handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: runtimeRoot,
    AWS_REGION: spec.region,
    AWS_DEFAULT_REGION: spec.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: spec.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.functionName}`,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    // SDK calls inside the function reach Stratus, not AWS.
    AWS_ENDPOINT_URL: spec.endpoint,
  };
}

export function runtimeLaunch(spec: FunctionSpec, codeDir: string, optDir: string | undefined): RuntimeLaunch {
  const credentials = spec.credentials();
  const common = { codeDir, runtimeDir: RUNTIMES_DIR, optDir };
  if (spec.runtime.startsWith("nodejs")) {
    // Lambda's node bootstrap sizes the old space to the function's memory too.
    const heap = Math.max(64, Math.floor(spec.memoryMb * 0.9));
    return {
      ...common,
      marksEnd: true,
      command: (_task, runtimeRoot) => [process.execPath, `--max-old-space-size=${heap}`, join(runtimeRoot, "nodejs", "bootstrap.cjs")],
      environment: (taskRoot, runtimeRoot, optRoot) => ({
        ...baseEnvironment(spec, credentials, taskRoot, runtimeRoot),
        NODE_PATH: [...(optRoot ? [`${optRoot}/nodejs/node${process.versions.node.split(".")[0]}/node_modules`, `${optRoot}/nodejs/node_modules`] : []), taskRoot].join(":"),
      }),
    };
  }
  if (spec.runtime.startsWith("python")) {
    const python = pythonExecutable();
    if (!python) throw new RuntimeUnavailable(`python3 is not installed on this machine, so Stratus cannot run ${spec.runtime} functions.`);
    return {
      ...common,
      marksEnd: true,
      command: (_task, runtimeRoot) => [python, "-u", join(runtimeRoot, "python", "bootstrap.py")],
      environment: (taskRoot, runtimeRoot, optRoot) => ({
        ...baseEnvironment(spec, credentials, taskRoot, runtimeRoot),
        PYTHONPATH: [optRoot ? `${optRoot}/python` : "", taskRoot].filter(Boolean).join(":"),
      }),
    };
  }
  if (spec.runtime.startsWith("provided")) {
    const inCode = existsSync(join(codeDir, "bootstrap"));
    if (!inCode && !(optDir && existsSync(join(optDir, "bootstrap")))) {
      throw new RuntimeUnavailable("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
    }
    return {
      ...common,
      marksEnd: false,
      command: (taskRoot, _runtime, optRoot) => [inCode ? join(taskRoot, "bootstrap") : join(optRoot ?? "/opt", "bootstrap")],
      environment: (taskRoot, runtimeRoot) => baseEnvironment(spec, credentials, taskRoot, runtimeRoot),
    };
  }
  throw new RuntimeUnavailable(`Stratus cannot run ${spec.runtime} functions yet.`);
}
