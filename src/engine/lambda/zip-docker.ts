/** The docker runner for zip functions (STRATUS_LAMBDA_RUNNER=docker): AWS's runtime base image per runtime, the code and layers bind-mounted read-only. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { log } from "../../shared/log.ts";
import { RuntimeUnavailable } from "./runtimes.ts";
import type { FunctionSpec } from "./types.ts";

/** What runs an image function's container, for a zip function: the runtime's image, its mounts, its entry point. */
export interface ZipContainer {
  /** The runtime image (AWS's public.ecr.aws/lambda/<lang>:<version>, or the STRATUS_LAMBDA_IMAGE_<RUNTIME> override). */
  image: string;
  /** The variable that overrides it, named in errors. */
  variable: string;
  /** Host directories bind-mounted read-only: the code at /var/task, the merged layers at /opt. */
  binds: string[];
  /** Set for provided.* runtimes: the function's own bootstrap is the entry point (what Lambda's provided runtime runs). */
  entryPoint: string[] | undefined;
  /** The container's command: the handler, as AWS's base images' /lambda-entrypoint.sh reads it (none for a bootstrap, as on Lambda: it reads _HANDLER). */
  command: string[] | undefined;
}

let warned = false;

/** Which runner zip functions use: "process" (default) or "docker". */
export function zipRunner(): "process" | "docker" {
  const value = process.env.STRATUS_LAMBDA_RUNNER ?? "process";
  if (value === "docker") return "docker";
  if (value !== "process" && !warned) {
    warned = true;
    log.warn(`STRATUS_LAMBDA_RUNNER=${value} is not a runner (process or docker): zip functions run as processes`);
  }
  return "process";
}

/** STRATUS_LAMBDA_IMAGE_<RUNTIME>: the runtime name upper-cased, every other character an underscore (nodejs22.x → NODEJS22_X). */
export const imageVariable = (runtime: string): string => `STRATUS_LAMBDA_IMAGE_${runtime.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

/**
 * The image AWS publishes for a runtime: nodejs22.x → public.ecr.aws/lambda/nodejs:22, python3.12 → …/python:3.12,
 * provided.al2023 → …/provided:al2023, java21 → …/java:21, java8.al2 → …/java:8.al2, dotnet8 → …/dotnet:8, ruby3.3 → …/ruby:3.3.
 */
export function awsRuntimeImage(runtime: string): string | undefined {
  const provided = /^provided\.(.+)$/.exec(runtime);
  if (provided) return `public.ecr.aws/lambda/provided:${provided[1]}`;
  const match = /^([a-z]+)(\d[\w.]*?)(?:\.x)?$/.exec(runtime);
  if (!match) return undefined;
  return `public.ecr.aws/lambda/${match[1]}:${match[2]}`;
}

/** The container plan of a zip function's execution environment. `codeDir` and `optDir` are host directories. */
export function zipContainer(spec: FunctionSpec, codeDir: string, optDir: string | undefined): ZipContainer {
  const variable = imageVariable(spec.runtime);
  const image = process.env[variable] || awsRuntimeImage(spec.runtime);
  if (!image) throw new RuntimeUnavailable(`Stratus knows no container image for the ${spec.runtime} runtime: set ${variable} to one.`);
  const binds = [`${codeDir}:/var/task:ro`, ...(optDir ? [`${optDir}:/opt:ro`] : [])];
  let entryPoint: string[] | undefined;
  if (spec.runtime.startsWith("provided")) {
    // Lambda's provided runtime runs /var/task/bootstrap, else /opt/bootstrap.
    const inCode = existsSync(join(codeDir, "bootstrap"));
    if (!inCode && !(optDir && existsSync(join(optDir, "bootstrap")))) {
      throw new RuntimeUnavailable("Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]");
    }
    entryPoint = [inCode ? "/var/task/bootstrap" : "/opt/bootstrap"];
  }
  return { image, variable, binds, entryPoint, command: entryPoint ? undefined : [spec.handler] };
}

/** The error Invoke answers when the runtime image is neither present locally nor pullable: what is missing, and the ways to provide it. */
export function missingRuntimeImage(container: ZipContainer, runtime: string, cause: string): RuntimeUnavailable {
  return new RuntimeUnavailable(
    `The container image ${container.image} for the ${runtime} runtime (STRATUS_LAMBDA_RUNNER=docker) is not present in the local Docker engine ` +
      `and could not be pulled (${cause}). Provide it with "docker pull ${container.image}", or "docker tag <an image> ${container.image}", ` +
      `or set ${container.variable} to a local image.`,
  );
}
