/** Test harness for container runners: a TaskLaunch builder, recording RunnerServices, and a progress recorder. */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ContainerLaunch, RunnerServices, TaskLaunch, TaskProgress, TaskRunner, TaskStatus, TaskObserver } from "../../src/engine/containers/types.ts";

export const ACCOUNT = "000000000000";
export const REGION = "us-east-1";

export function container(name: string, image: string, overrides: Partial<ContainerLaunch> = {}): ContainerLaunch {
  return { name, image, essential: true, environment: [], portMappings: [], dependsOn: [], ulimits: [], mountPoints: [], dockerLabels: {}, ...overrides };
}

export function launch(containers: ContainerLaunch[], overrides: Partial<TaskLaunch> = {}): TaskLaunch {
  const taskId = randomBytes(16).toString("hex");
  const clusterArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/runner-tests`;
  return {
    account: ACCOUNT,
    region: REGION,
    taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/runner-tests/${taskId}`,
    taskId,
    clusterArn,
    clusterName: "runner-tests",
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/runner-test:3`,
    family: "runner-test",
    revision: 3,
    launchType: "FARGATE",
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    availabilityZone: `${REGION}a`,
    containers,
    volumes: [],
    ...overrides,
  };
}

export interface LogCall {
  group: string;
  stream: string;
  createGroup: boolean;
  events: Array<{ timestamp: number; message: string }>;
}

export const FAKE_CREDENTIALS = {
  AccessKeyId: "ASIATESTTESTTESTTEST",
  SecretAccessKey: "secret/for/the/test",
  Token: "session-token-for-the-test",
  Expiration: "2030-01-01T00:00:00Z",
  RoleArn: `arn:aws:iam::${ACCOUNT}:role/task-role`,
};

/** RunnerServices that record what the runner asks for; endpoint() is a tiny HTTP server answering "stratus:<path>". */
export interface TestServices extends RunnerServices {
  logs: LogCall[];
  close(): Promise<void>;
}

export async function testServices(registry?: (task: TaskLaunch, image: string) => { serveraddress: string; username: string; password: string } | undefined): Promise<TestServices> {
  const server: Server = createServer((req, res) => res.end(`stratus:${req.method}:${req.url}:${req.headers.host}`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const logs: LogCall[] = [];
  return {
    logs,
    endpoint: () => `http://127.0.0.1:${port}`,
    appendLogs: (_task, group, stream, events, createGroup) => logs.push({ group, stream, createGroup, events }),
    taskCredentials: (task) => (task.taskRoleArn ? FAKE_CREDENTIALS : undefined),
    registryAuth: registry ?? (() => undefined),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Records every report for one runner and lets a test wait for a task to reach a status. */
export class Recorder {
  readonly reports: TaskProgress[] = [];
  private waiters: Array<() => void> = [];
  readonly observer: TaskObserver = (progress) => {
    this.reports.push(progress);
    for (const wake of this.waiters.splice(0)) wake();
  };

  of(taskArn: string): TaskProgress[] {
    return this.reports.filter((report) => report.taskArn === taskArn);
  }

  latest(taskArn: string): TaskProgress | undefined {
    return this.of(taskArn).at(-1);
  }

  /** The distinct statuses the task went through, in order. */
  statuses(taskArn: string): TaskStatus[] {
    const out: TaskStatus[] = [];
    for (const report of this.of(taskArn)) if (out.at(-1) !== report.lastStatus) out.push(report.lastStatus);
    return out;
  }

  /** Resolves with the first report (new or past) that satisfies `predicate`; rejects after `timeoutMs` (a hang guard, not an assertion on speed). */
  async until(taskArn: string, predicate: (progress: TaskProgress) => boolean, timeoutMs = 60_000): Promise<TaskProgress> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(taskArn).find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`task never reached the expected state; last: ${JSON.stringify(this.latest(taskArn))}`);
      await new Promise<void>((resolve) => {
        // Also re-check now and then: some predicates look at what the services recorded, which wakes nobody.
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  status(taskArn: string, status: TaskStatus, timeoutMs?: number): Promise<TaskProgress> {
    return this.until(taskArn, (progress) => progress.lastStatus === status, timeoutMs);
  }
}

/** What a runner conformance case gets: a fresh runner wired to a recorder and recording services. */
export interface RunnerHarness {
  runner: TaskRunner;
  recorder: Recorder;
  services: TestServices;
  /** A small busybox image with sh, httpd, nc, sleep. */
  image: string;
}
