/** Lambda's input checks as AWS makes them: names and ARNs, runtimes, handler, role, memory, timeout, environment. */
import { findRoleByArn } from "../iam/api.ts";
import type { RequestContext } from "../service-types.ts";
import { invalidParameter, validation } from "./errors.ts";

/** Runtimes Stratus runs (the process runner) — the rest of AWS's list is accepted but not runnable. */
export const RUNNABLE_RUNTIMES = new Set(["nodejs20.x", "nodejs22.x", "nodejs24.x", "python3.11", "python3.12", "python3.13", "provided.al2", "provided.al2023"]);

/** Runtimes AWS still accepts for new functions. */
const CURRENT_RUNTIMES = [
  ...RUNNABLE_RUNTIMES,
  "python3.10", "python3.14", "java8.al2", "java11", "java17", "java21", "java25", "dotnet8", "dotnet10", "ruby3.3", "ruby3.4",
];

/** Runtimes past their deprecation date: AWS refuses them for create and update. */
const DEPRECATED_RUNTIMES = [
  "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "nodejs18.x",
  "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
  "dotnet6", "dotnet7", "ruby2.5", "ruby2.7", "ruby3.2", "go1.x", "provided",
];

export function checkRuntime(runtime: string): void {
  if (DEPRECATED_RUNTIMES.includes(runtime)) {
    throw invalidParameter(
      `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
    );
  }
  if (!CURRENT_RUNTIMES.includes(runtime)) {
    throw validation(runtime, "runtime", `Member must satisfy enum value set: [${[...CURRENT_RUNTIMES, ...DEPRECATED_RUNTIMES].join(", ")}]`);
  }
}

const HANDLER = /^[^\s]+$/;

export function checkHandler(handler: string | undefined, runtime: string | undefined): void {
  if (handler === undefined) {
    if (runtime !== undefined) throw invalidParameter("Handler is required when PackageType is Zip.");
    return;
  }
  if (handler.length > 128) throw validation(handler, "handler", "Member must have length less than or equal to 128");
  if (!HANDLER.test(handler)) throw validation(handler, "handler", "Member must satisfy regular expression pattern: [^\\s]+");
}

const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

/** The role must be a role ARN (pattern) that exists in the caller's account (else Lambda cannot assume it). */
export function checkRole(role: string, ctx: RequestContext): void {
  if (!ROLE.test(role)) throw validation(role, "role", "Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  const account = role.split(":")[4];
  if (account !== ctx.account || !findRoleByArn(ctx.state, ctx.account, role)) {
    throw invalidParameter("The role defined for the function cannot be assumed by Lambda.");
  }
}

export function checkMemory(memory: number): void {
  if (memory < 128) throw validation(memory, "memorySize", "Member must have value greater than or equal to 128");
  if (memory > 10240) throw validation(memory, "memorySize", "Member must have value less than or equal to 10240");
}

export function checkTimeout(timeout: number): void {
  if (timeout < 1) throw validation(timeout, "timeout", "Member must have value greater than or equal to 1");
  if (timeout > 900) throw validation(timeout, "timeout", "Member must have value less than or equal to 900");
}

export function checkDescription(description: string): void {
  if (description.length > 256) throw validation(description, "description", "Member must have length less than or equal to 256");
}

/** Keys the Lambda service sets itself. */
const RESERVED_ENV = new Set([
  "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
]);

const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;

/** Lambda's 4 KB limit is measured on the variables as a JSON object. */
export function checkEnvironment(variables: Record<string, string>): void {
  const reserved = Object.keys(variables).filter((key) => RESERVED_ENV.has(key));
  if (reserved.length > 0) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`,
    );
  }
  for (const key of Object.keys(variables)) {
    if (!ENV_KEY.test(key)) throw validation(key, "environment.variables", "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+");
  }
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > 4096) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

const NAME = /^[a-zA-Z0-9-_]+$/;
const FUNCTION_REF = /^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:([a-z]{2}(?:-gov)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export interface FunctionRef {
  name: string;
  qualifier?: string;
}

/** A FunctionName parameter: a name, a partial ARN (123456789012:function:name) or a full ARN, with an optional qualifier. */
export function parseFunctionRef(value: string, ctx: RequestContext, member = "functionName"): FunctionRef {
  const match = FUNCTION_REF.exec(value);
  const name = match?.[3];
  if (!match || !name || !NAME.test(name) || value.length > 170) {
    throw validation(value, member, "Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
  }
  if (name.length > 64) throw validation(value, member, "Member must have length less than or equal to 64");
  if ((match[1] && match[1] !== ctx.region) || (match[2] && match[2] !== ctx.account)) {
    throw invalidParameter(`The region or account in the function ARN ${value} does not match the caller's (${ctx.region}, ${ctx.account}).`);
  }
  return match[4] ? { name, qualifier: match[4] } : { name };
}

/** A function reference and a separate Qualifier must agree when both name one. */
export function resolveQualifier(ref: FunctionRef, qualifier: string | undefined): string | undefined {
  if (ref.qualifier && qualifier && ref.qualifier !== qualifier) {
    throw invalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
  }
  return qualifier ?? ref.qualifier;
}

const ALIAS = /^(?!^[0-9]+$)[a-zA-Z0-9-_]+$/;

export function checkAliasName(name: string): void {
  if (name.length > 128) throw validation(name, "name", "Member must have length less than or equal to 128");
  if (!ALIAS.test(name)) throw validation(name, "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
}
