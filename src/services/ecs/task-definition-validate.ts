/** RegisterTaskDefinition's checks and defaults as ECS applies them (Fargate sizes and network mode, container fields). */
import type { ContainerDefinition, RegisterTaskDefinitionRequest } from "@aws-sdk/client-ecs";
import { clientException } from "./errors.ts";

/** Fargate's task sizes: CPU units → allowed memory (MiB). */
const FARGATE_SIZES: Array<[number, number[]]> = [
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
];

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Task cpu as units: "256", "1 vCPU", "0.25 vcpu" (ECS stores the units). */
export function cpuUnits(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(value);
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2] ? Math.round(n * 1024) : n;
}

/** Task memory as MiB: "512", "1 GB", "0.5gb". */
export function memoryMiB(value: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(gb|mb)?\s*$/i.exec(value);
  if (!match) return undefined;
  const n = Number(match[1]);
  return match[2]?.toLowerCase() === "gb" ? Math.round(n * 1024) : n;
}

export function checkFargateSize(cpu: number, memory: number): void {
  const allowed = FARGATE_SIZES.find(([units]) => units === cpu)?.[1];
  if (!allowed || !allowed.includes(memory)) {
    throw clientException(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
  }
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** The container definitions as ECS stores them: checked, with AWS's defaults filled in. */
export function normalizeContainers(input: RegisterTaskDefinitionRequest, networkMode: string, fargate: boolean, taskMemory: number | undefined): ContainerDefinition[] {
  const defs = input.containerDefinitions ?? [];
  if (defs.length === 0) throw clientException("Container list cannot be empty.");
  if (defs.length > 10) throw clientException("Too many containers: a task definition can have at most 10 container definitions.");
  const names = new Set<string>();
  const volumes = new Set((input.volumes ?? []).map((v) => v.name ?? ""));
  for (const def of defs) {
    const name = def.name ?? "";
    if (!name) throw clientException("Container.name should not be null or empty.");
    if (!NAME.test(name)) throw clientException(`Container name '${name}' is invalid: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.`);
    if (names.has(name)) throw clientException(`Duplicate container name '${name}'. Container names must be unique within a task definition.`);
    names.add(name);
    if (!def.image) throw clientException("Container.image should not be null or empty.");
  }
  const out = defs.map((def): ContainerDefinition => {
    const name = def.name ?? "";
    if (def.memory !== undefined && def.memory < 6) throw clientException(`Invalid setting for container '${name}'. At least 6 MiB of memory must be specified for a container.`);
    if (def.memoryReservation !== undefined && def.memory !== undefined && def.memoryReservation > def.memory) {
      throw clientException(`Invalid setting for container '${name}'. 'memoryReservation' must be less than or equal to 'memory'.`);
    }
    if (!fargate && taskMemory === undefined && def.memory === undefined && def.memoryReservation === undefined) {
      throw clientException(`Invalid setting for container '${name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
    }
    for (const dep of def.dependsOn ?? []) {
      if (!names.has(dep.containerName ?? "")) throw clientException(`Container '${name}' depends on unknown container '${dep.containerName ?? ""}'.`);
      if (dep.containerName === name) throw clientException(`Container '${name}' cannot depend on itself.`);
    }
    for (const mount of def.mountPoints ?? []) {
      if (!volumes.has(mount.sourceVolume ?? "")) throw clientException(`Invalid 'sourceVolume' in container '${name}': unknown volume '${mount.sourceVolume ?? ""}'.`);
    }
    const portMappings = (def.portMappings ?? []).map((mapping) => {
      const containerPort = mapping.containerPort;
      if (containerPort === undefined && mapping.containerPortRange === undefined) throw clientException(`Container '${name}': a port mapping needs a containerPort.`);
      if (networkMode === "awsvpc" && mapping.hostPort !== undefined && mapping.hostPort !== containerPort) {
        throw clientException("When networkMode=awsvpc, the host ports and container ports in port mappings must match.");
      }
      if (networkMode === "host" && mapping.hostPort !== undefined && mapping.hostPort !== containerPort) {
        throw clientException("When networkMode=host, the host ports and container ports in port mappings must match.");
      }
      // ECS fills hostPort for awsvpc and host modes (it must equal containerPort there).
      const hostPort = mapping.hostPort ?? (networkMode === "awsvpc" || networkMode === "host" ? containerPort : undefined);
      return { ...mapping, ...(hostPort !== undefined ? { hostPort } : {}), protocol: mapping.protocol ?? "tcp" };
    });
    if (fargate && def.logConfiguration?.logDriver === "awslogs" && !input.executionRoleArn) {
      throw clientException("Fargate requires task definition to have execution role ARN to support log driver awslogs.");
    }
    if (fargate && def.logConfiguration && !["awslogs", "splunk", "awsfirelens"].includes(def.logConfiguration.logDriver ?? "")) {
      throw clientException(`Log driver ${def.logConfiguration.logDriver ?? ""} is not supported on Fargate.`);
    }
    return {
      ...def,
      cpu: def.cpu ?? 0,
      essential: def.essential ?? true,
      portMappings,
      environment: def.environment ?? [],
      mountPoints: def.mountPoints ?? [],
      volumesFrom: def.volumesFrom ?? [],
      ...(fargate || networkMode === "awsvpc" ? {} : {}),
    };
  });
  if (!out.some((def) => def.essential)) throw clientException("Task definition does not have any essential container.");
  return out;
}
