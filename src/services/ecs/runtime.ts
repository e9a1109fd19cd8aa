/** The ECS runtime of this Stratus process: the one container runner, the services it gets, and the scopes seen. */
import { createTaskRunner } from "../../engine/containers/index.ts";
import type { RunnerServices, TaskLaunch, TaskObserver, TaskRunner } from "../../engine/containers/types.ts";
import { log } from "../../shared/log.ts";
import { onShutdown } from "../../shared/shutdown.ts";
import type { Scope, StateStore } from "../../state/state-store.ts";
import { awsImageScope, isRegistryImage, registryAuthFor } from "../ecr/api.ts";
import { findRoleByArn } from "../iam/api.ts";
import { appendLogEvents, logGroupExists } from "../logs/api.ts";
import type { RequestContext } from "../service-types.ts";
import { issueTemporaryCredentials } from "../sts/credentials.ts";

export interface Runtime {
  state: StateStore;
  /** The endpoint of the first request (what containers reach Stratus on). */
  endpoint: string;
  /** "account/region" of every scope ECS has been used in (the reconciler visits these). */
  scopes: Set<string>;
  runner?: TaskRunner;
  /** When this process's ECS runtime began: tasks created before it belong to an earlier run. */
  startedAt: number;
}

let runtime: Runtime | undefined;
let runnerFactory: typeof createTaskRunner = createTaskRunner;

/** Replaces the container runner (tests drive the scheduler with a runner that reports progress on command). */
export function setRunnerFactory(factory: typeof createTaskRunner): void {
  runnerFactory = factory;
}
const initHooks: Array<(rt: Runtime) => void> = [];
let observer: TaskObserver = () => {};

/** Work to do once when the ECS service first serves a request in this process (restart recovery, the reconciler). */
export function onRuntimeStart(hook: (rt: Runtime) => void): void {
  initHooks.push(hook);
}

/** Where runner progress goes (set by tasks-progress.ts). */
export function setObserver(next: TaskObserver): void {
  observer = next;
}

/** Called on every ECS request: remembers the store, the endpoint and the caller's scope. */
export function attachRuntime(ctx: RequestContext): Runtime {
  if (!runtime || runtime.state !== ctx.state) {
    const rt: Runtime = { state: ctx.state, endpoint: ctx.endpoint, scopes: new Set(), startedAt: Date.now() };
    runtime = rt;
    for (const hook of initHooks) hook(rt);
    // The hooks ran inside the request's transaction: if that request fails, its writes are undone, so they run once
    // more on their own (they are idempotent: a second run finds nothing left to do).
    setImmediate(() => {
      for (const hook of initHooks) hook(rt);
    });
  }
  runtime.scopes.add(`${ctx.account}/${ctx.region}`);
  return runtime;
}

export const currentRuntime = (): Runtime | undefined => runtime;

/** A context for work done outside a request (reconciler, runner callbacks) in one scope. */
export function backgroundContext(rt: Runtime, scope: Scope): RequestContext {
  return {
    requestId: "",
    account: scope.account,
    region: scope.region,
    accessKeyId: "",
    service: "ecs",
    operation: "background",
    endpoint: rt.endpoint,
    state: rt.state,
  };
}

export const scopeOfKey = (key: string): Scope => {
  const slash = key.indexOf("/");
  return { account: key.slice(0, slash), region: key.slice(slash + 1) };
};

const sessions = new Map<string, { value: ReturnType<RunnerServices["taskCredentials"]>; expiresAt: number }>();

function services(rt: Runtime): RunnerServices {
  return {
    endpoint: () => rt.endpoint,
    appendLogs: (task, group, stream, events, createGroup) => {
      try {
        // Without awslogs-create-group the group must exist (the launch checked it; one deleted since loses the lines, as
        // the awslogs driver's writes fail on AWS).
        if (!createGroup && !logGroupExists(rt.state, { account: task.account, region: task.region }, group)) return;
        appendLogEvents(rt.state, { account: task.account, region: task.region }, group, stream, events);
      } catch (error) {
        log.warn("could not write ECS container log events", error);
      }
    },
    taskCredentials: (task) => {
      if (!task.taskRoleArn) return undefined;
      const cacheKey = `${task.taskArn}/${task.taskRoleArn}`;
      const cached = sessions.get(cacheKey);
      if (cached && cached.expiresAt - Date.now() > 15 * 60_000) return cached.value;
      const role = findRoleByArn(rt.state, task.account, task.taskRoleArn);
      const roleName = role?.RoleName ?? task.taskRoleArn.slice(task.taskRoleArn.lastIndexOf("/") + 1);
      // ECS assumes the task role with the task id as the session name.
      const principal = {
        account: task.account,
        arn: `arn:aws:sts::${task.account}:assumed-role/${roleName}/${task.taskId}`,
        userId: `${role?.RoleId ?? "AROA000000000000000000"}:${task.taskId}`,
        kind: "assumed-role" as const,
      };
      const issued = rt.state.transaction(() => issueTemporaryCredentials(rt.state, principal, 6 * 3600, task.taskRoleArn));
      const value = {
        AccessKeyId: issued.AccessKeyId,
        SecretAccessKey: issued.SecretAccessKey,
        Token: issued.SessionToken,
        Expiration: issued.Expiration.toISOString(),
        RoleArn: task.taskRoleArn,
      };
      sessions.set(cacheKey, { value, expiresAt: issued.Expiration.getTime() });
      return value;
    },
    registryAuth: (task, image) => {
      if (!isRegistryImage(image, rt.endpoint)) return undefined;
      const scope = awsImageScope(image) ?? { account: task.account, region: task.region };
      return rt.state.transaction(() => registryAuthFor(rt.state, scope.account, scope.region, rt.endpoint));
    },
  };
}

/** The one runner of this process, made on first use; closed (containers removed) when Stratus stops. */
export function runnerOf(rt: Runtime): TaskRunner {
  if (!rt.runner) {
    const runner = runnerFactory((progress) => observer(progress), services(rt));
    rt.runner = runner;
    onShutdown(() => runner.close());
    // A reset (or restore) drops the task records: their containers stop too, rather than run on unowned.
    rt.state.onReplaced((service) => {
      if (service !== undefined && service !== "ecs") return;
      for (const taskArn of runner.active()) runner.stop(taskArn, "UserInitiated", "Stratus state was reset");
    });
  }
  return rt.runner;
}

export type { TaskLaunch };
