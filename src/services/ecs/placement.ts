/**
 * EC2 launch type placement: remaining resources per container instance, constraints (distinctInstance, memberOf) and
 * strategies (binpack, spread, random). memberOf understands `attribute:<name> <op> <value>` clauses with ==, !=, =~
 * (wildcard *), `in [a, b]` and `not in [..]`, joined by `and` / `or` (evaluated left to right, no parentheses), over
 * ecs.instance-type, ecs.availability-zone, ecs.os-type, ecs.cpu-architecture, custom attributes and ec2InstanceId.
 */
import type { PlacementConstraint, PlacementStrategy, Resource } from "@aws-sdk/client-ecs";
import type { RequestContext } from "../service-types.ts";
import { invalidParameter } from "./errors.ts";
import { tables, type ContainerInstanceRecord, type TaskRecord } from "./state.ts";

export interface Needs {
  cpu: number;
  memory: number;
  ports: number[];
}

export interface Remaining {
  cpu: number;
  memory: number;
  ports: Set<number>;
}

const registered = (instance: ContainerInstanceRecord, name: string): Resource | undefined => instance.registeredResources.find((r) => r.name === name);

/** Registered resources minus what the instance's running and pending tasks reserve. */
export function remainingOf(instance: ContainerInstanceRecord, tasks: TaskRecord[]): Remaining {
  let cpu = registered(instance, "CPU")?.integerValue ?? 0;
  let memory = registered(instance, "MEMORY")?.integerValue ?? 0;
  const ports = new Set((registered(instance, "PORTS")?.stringSetValue ?? []).map(Number));
  for (const task of tasks) {
    if (task.containerInstanceArn !== instance.containerInstanceArn || task.lastStatus === "STOPPED" || !task.reserved) continue;
    cpu -= task.reserved.cpu;
    memory -= task.reserved.memory;
    for (const port of task.reserved.ports) ports.add(port);
  }
  return { cpu, memory, ports };
}

export function remainingResources(instance: ContainerInstanceRecord, tasks: TaskRecord[]): Resource[] {
  const left = remainingOf(instance, tasks);
  return [
    { name: "CPU", type: "INTEGER", integerValue: left.cpu, doubleValue: 0, longValue: 0 },
    { name: "MEMORY", type: "INTEGER", integerValue: left.memory, doubleValue: 0, longValue: 0 },
    { name: "PORTS", type: "STRINGSET", stringSetValue: [...left.ports].sort((a, b) => a - b).map(String), integerValue: 0, doubleValue: 0, longValue: 0 },
    { name: "PORTS_UDP", type: "STRINGSET", stringSetValue: [], integerValue: 0, doubleValue: 0, longValue: 0 },
  ];
}

function attributeOf(instance: ContainerInstanceRecord, name: string): string | undefined {
  if (name === "ec2InstanceId") return instance.ec2InstanceId;
  const attr = name.startsWith("attribute:") ? name.slice("attribute:".length) : name;
  if (attr === "ecs.instance-type") return instance.instanceType;
  if (attr === "ecs.availability-zone") return instance.availabilityZone;
  return instance.attributes.find((a) => a.name === attr)?.value;
}

function clause(instance: ContainerInstanceRecord, text: string): boolean {
  const m = /^\s*(\S+)\s+(==|!=|=~|not in|in)\s+(.+?)\s*$/.exec(text);
  if (!m) throw invalidParameter(`Invalid placement constraint expression: ${text}`);
  const value = attributeOf(instance, m[1] ?? "");
  const target = m[3] ?? "";
  const list = (): string[] => target.replace(/^\[|\]$/g, "").split(",").map((v) => v.trim()).filter(Boolean);
  switch (m[2]) {
    case "==":
      return value === target;
    case "!=":
      return value !== target;
    case "=~":
      return value !== undefined && new RegExp(`^${target.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(value);
    case "in":
      return value !== undefined && list().includes(value);
    default:
      return value === undefined || !list().includes(value);
  }
}

/** A memberOf expression: clauses joined by and/or, left to right. */
export function matchesExpression(instance: ContainerInstanceRecord, expression: string): boolean {
  const parts = expression.split(/\s+(and|or)\s+/i);
  let result = clause(instance, parts[0] ?? "");
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const next = clause(instance, parts[i + 1] ?? "");
    result = (parts[i] ?? "").toLowerCase() === "and" ? result && next : result || next;
  }
  return result;
}

export function checkPlacement(constraints: PlacementConstraint[] | undefined, strategies: PlacementStrategy[] | undefined): void {
  for (const c of constraints ?? []) {
    if (c.type !== "distinctInstance" && c.type !== "memberOf") throw invalidParameter(`Invalid placement constraint type: ${c.type ?? ""}.`);
    if (c.type === "memberOf" && !c.expression) throw invalidParameter("A memberOf placement constraint requires an expression.");
    if (c.type === "distinctInstance" && c.expression) throw invalidParameter("A distinctInstance placement constraint does not take an expression.");
  }
  if ((constraints ?? []).length > 10) throw invalidParameter("At most 10 placement constraints are allowed.");
  for (const s of strategies ?? []) {
    if (s.type === "binpack" && s.field !== "cpu" && s.field !== "memory") throw invalidParameter("The binpack placement strategy field must be cpu or memory.");
    if (s.type === "spread" && !s.field) throw invalidParameter("The spread placement strategy requires a field.");
    if (!["binpack", "spread", "random"].includes(s.type ?? "")) throw invalidParameter(`Invalid placement strategy type: ${s.type ?? ""}.`);
  }
  if ((strategies ?? []).length > 5) throw invalidParameter("At most 5 placement strategies are allowed.");
}

export interface PlacementResult {
  placed: ContainerInstanceRecord[];
  failures: Array<{ arn: string; reason: string }>;
}

/** Chooses an instance for each of `count` tasks; tasks that fit nowhere become failures (RESOURCE:CPU, RESOURCE:MEMORY …). */
export function placeTasks(
  ctx: RequestContext,
  clusterName: string,
  count: number,
  needs: Needs,
  group: string,
  constraints: PlacementConstraint[],
  strategies: PlacementStrategy[],
  only?: ContainerInstanceRecord[],
): PlacementResult {
  const t = tables(ctx.state);
  const instances = only ?? t.instances.list(ctx).filter((i) => i.clusterName === clusterName && i.status === "ACTIVE");
  if (instances.length === 0) throw invalidParameter("No Container Instances were found in your cluster.");
  const tasks = t.tasks.list(ctx).filter((task) => task.clusterName === clusterName && task.lastStatus !== "STOPPED");
  const left = new Map(instances.map((i) => [i.containerInstanceArn, remainingOf(i, tasks)]));
  const used = new Map<string, number>();
  for (const task of tasks) if (task.group === group && task.containerInstanceArn) used.set(task.containerInstanceArn, (used.get(task.containerInstanceArn) ?? 0) + 1);
  const placed: ContainerInstanceRecord[] = [];
  const failures = new Map<string, string>();
  for (let n = 0; n < count; n++) {
    const candidates = instances.filter((instance) => {
      const r = left.get(instance.containerInstanceArn);
      if (!r) return false;
      let reason: string | undefined;
      if (r.cpu < needs.cpu) reason = "RESOURCE:CPU";
      else if (r.memory < needs.memory) reason = "RESOURCE:MEMORY";
      else if (needs.ports.some((p) => r.ports.has(p))) reason = "RESOURCE:PORTS";
      else if (constraints.some((c) => c.type === "memberOf" && !matchesExpression(instance, c.expression ?? ""))) reason = "MemberOf placement constraint unsatisfied.";
      else if (constraints.some((c) => c.type === "distinctInstance") && (used.get(instance.containerInstanceArn) ?? 0) > 0) reason = "DistinctInstance placement constraint unsatisfied.";
      if (reason) failures.set(instance.containerInstanceArn, reason);
      return reason === undefined;
    });
    const chosen = choose(candidates, strategies, left, tasks, placed);
    if (!chosen) continue;
    placed.push(chosen);
    const r = left.get(chosen.containerInstanceArn);
    if (r) {
      r.cpu -= needs.cpu;
      r.memory -= needs.memory;
      for (const p of needs.ports) r.ports.add(p);
    }
    used.set(chosen.containerInstanceArn, (used.get(chosen.containerInstanceArn) ?? 0) + 1);
  }
  return { placed, failures: placed.length < count ? [...failures].map(([arn, reason]) => ({ arn, reason })) : [] };
}

function choose(
  candidates: ContainerInstanceRecord[],
  strategies: PlacementStrategy[],
  left: Map<string, Remaining>,
  tasks: TaskRecord[],
  placed: ContainerInstanceRecord[],
): ContainerInstanceRecord | undefined {
  let pool = candidates;
  for (const strategy of strategies) {
    if (pool.length <= 1) break;
    if (strategy.type === "random") {
      pool = [pool[Math.floor(Math.random() * pool.length)] as ContainerInstanceRecord];
    } else if (strategy.type === "binpack") {
      // The instance with the least of the field left (packs tasks tightly).
      const field = strategy.field === "cpu" ? "cpu" : "memory";
      const best = Math.min(...pool.map((i) => left.get(i.containerInstanceArn)?.[field] ?? 0));
      pool = pool.filter((i) => (left.get(i.containerInstanceArn)?.[field] ?? 0) === best);
    } else if (strategy.type === "spread") {
      // The value of the field (instance id, zone, attribute) with the fewest tasks so far.
      const field = strategy.field === "instanceId" || strategy.field === "host" ? "ec2InstanceId" : (strategy.field ?? "");
      const countFor = (value: string | undefined): number =>
        tasks.filter((t) => { const i = candidates.find((c) => c.containerInstanceArn === t.containerInstanceArn); return i !== undefined && attributeOf(i, field) === value; }).length +
        placed.filter((p) => attributeOf(p, field) === value).length;
      const best = Math.min(...pool.map((i) => countFor(attributeOf(i, field))));
      pool = pool.filter((i) => countFor(attributeOf(i, field)) === best);
    }
  }
  return pool[0];
}
