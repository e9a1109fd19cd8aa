/** Runner conformance cases: what any container runner (docker now, others later) must do with a TaskLaunch. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { container, launch, type RunnerHarness } from "./support.ts";
import type { TaskLaunch } from "../../src/engine/containers/types.ts";

export interface RunnerConformanceCase {
  name: string;
  run(harness: RunnerHarness): Promise<void>;
}

/** Runs until SIGTERM, then says so and exits 143 (what a well-behaved service does). */
const UNTIL_TERM_SCRIPT = "trap 'echo got-TERM; exit 143' TERM; echo started; while true; do sleep 1; done";
const UNTIL_TERM = ["sh", "-c", UNTIL_TERM_SCRIPT];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GETs a URL until it answers (the server in the container needs a moment after RUNNING); a bounded hang guard. */
async function fetchText(url: string): Promise<string> {
  let last: unknown;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(url);
      if (response.ok) return await response.text();
      last = new Error(`HTTP ${response.status}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw last;
}

function awslogs(group: string) {
  return { logDriver: "awslogs", options: { "awslogs-group": group, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs" } };
}

/** Every message the runner sent for one stream. */
function messages(harness: RunnerHarness, stream: string): string[] {
  return harness.services.logs.filter((call) => call.stream === stream).flatMap((call) => call.events.map((event) => event.message));
}

async function runToStop(harness: RunnerHarness, task: TaskLaunch) {
  harness.runner.start(task);
  return harness.recorder.status(task.taskArn, "STOPPED");
}

export const runnerConformanceCases: RunnerConformanceCase[] = [
  {
    name: "a task goes through ECS's lifecycle with its timestamps, and stop() sends SIGTERM",
    async run(h) {
      const task = launch([container("app", h.image, { command: UNTIL_TERM, logConfiguration: awslogs("/ecs/lifecycle") })]);
      h.runner.start(task);
      const running = await h.recorder.status(task.taskArn, "RUNNING");
      assert.equal(running.containers[0]?.lastStatus, "RUNNING");
      assert.match(running.containers[0]?.runtimeId ?? "", /^[0-9a-f]{64}$/);
      assert.match(running.containers[0]?.imageDigest ?? "", /^sha256:[0-9a-f]{64}$/);
      assert.ok(h.runner.active().includes(task.taskArn));
      await h.recorder.until(task.taskArn, () => messages(h, `ecs/app/${task.taskId}`).includes("started"));
      h.runner.stop(task.taskArn, "UserInitiated", "Task stopped by user");
      const stopped = await h.recorder.status(task.taskArn, "STOPPED");
      assert.deepEqual(h.recorder.statuses(task.taskArn), ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"]);
      assert.equal(stopped.stopCode, "UserInitiated", JSON.stringify(h.recorder.of(task.taskArn)));
      assert.equal(stopped.stoppedReason, "Task stopped by user");
      assert.equal(stopped.containers[0]?.exitCode, 143);
      assert.deepEqual(messages(h, `ecs/app/${task.taskId}`), ["started", "got-TERM"]);
      const times = [stopped.pullStartedAt, stopped.pullStoppedAt, stopped.startedAt, stopped.stoppingAt, stopped.executionStoppedAt, stopped.stoppedAt];
      assert.ok(times.every((time) => typeof time === "number"), JSON.stringify(stopped));
      assert.deepEqual([...times].sort((a, b) => (a ?? 0) - (b ?? 0)), times);
      assert.ok((stopped.connectivityAt ?? Infinity) <= (stopped.startedAt ?? 0));
      assert.ok(!h.runner.active().includes(task.taskArn));
    },
  },
  {
    name: "an essential container's exit stops the task with its exit code",
    async run(h) {
      const task = launch([container("job", h.image, { command: ["sh", "-c", "exit 7"] })]);
      const stopped = await runToStop(h, task);
      assert.equal(stopped.stopCode, "EssentialContainerExited");
      assert.equal(stopped.stoppedReason, "Essential container in task exited");
      assert.equal(stopped.containers[0]?.exitCode, 7);
      assert.equal(stopped.containers[0]?.lastStatus, "STOPPED");
    },
  },
  {
    name: "a non-essential container's exit only records its exit code",
    async run(h) {
      const task = launch([
        container("side", h.image, { essential: false, command: ["sh", "-c", "exit 3"] }),
        container("main", h.image, { command: UNTIL_TERM }),
      ]);
      h.runner.start(task);
      await h.recorder.status(task.taskArn, "RUNNING");
      const sideDone = await h.recorder.until(task.taskArn, (p) => p.containers[0]?.exitCode === 3);
      assert.equal(sideDone.stopCode, undefined);
      assert.equal(h.recorder.latest(task.taskArn)?.lastStatus, "RUNNING");
      assert.equal(h.recorder.latest(task.taskArn)?.containers[1]?.lastStatus, "RUNNING");
      h.runner.stop(task.taskArn, "UserInitiated", "Task stopped by user");
      const stopped = await h.recorder.status(task.taskArn, "STOPPED");
      assert.equal(stopped.containers[0]?.exitCode, 3);
      assert.equal(stopped.containers[1]?.exitCode, 143);
    },
  },
  {
    name: "published ports answer on 127.0.0.1 (a given host port, and a dynamic one)",
    async run(h) {
      const fixed = await freePort();
      const serve = (text: string, port: number) => ["sh", "-c", `mkdir -p /www && echo ${text} > /www/index.html && exec httpd -f -p ${port} -h /www`];
      // httpd as PID 1 ignores SIGTERM: a short stopTimeout lets the SIGKILL come soon.
      const quick = { stopTimeoutSeconds: 1 };
      const task = launch([
        container("web", h.image, { ...quick, command: serve("hello-fixed", 8080), portMappings: [{ containerPort: 8080, hostPort: fixed, protocol: "tcp" }] }),
        container("web2", h.image, { ...quick, command: serve("hello-dynamic", 8081), portMappings: [{ containerPort: 8081, protocol: "tcp" }] }),
      ]);
      h.runner.start(task);
      const running = await h.recorder.status(task.taskArn, "RUNNING");
      assert.deepEqual(running.containers[0]?.networkBindings, [{ bindIP: "127.0.0.1", containerPort: 8080, hostPort: fixed, protocol: "tcp" }]);
      const dynamic = running.containers[1]?.networkBindings[0]?.hostPort ?? 0;
      assert.ok(dynamic > 0 && dynamic !== fixed);
      assert.equal((await fetchText(`http://127.0.0.1:${fixed}/index.html`)).trim(), "hello-fixed");
      assert.equal((await fetchText(`http://127.0.0.1:${dynamic}/index.html`)).trim(), "hello-dynamic");
      const bridge = launch([container("web", h.image, { ...quick, command: serve("hello-bridge", 80), portMappings: [{ containerPort: 80, hostPort: 0, protocol: "tcp" }] })], { networkMode: "bridge", launchType: "EC2" });
      h.runner.start(bridge);
      const bridgeRunning = await h.recorder.status(bridge.taskArn, "RUNNING");
      const bridgePort = bridgeRunning.containers[0]?.networkBindings[0]?.hostPort ?? 0;
      assert.equal((await fetchText(`http://127.0.0.1:${bridgePort}/index.html`)).trim(), "hello-bridge");
      // The host port is now taken: a second task asking for it fails to start.
      const clash = launch([container("web", h.image, { command: serve("x", 8080), portMappings: [{ containerPort: 8080, hostPort: fixed, protocol: "tcp" }] })]);
      const failed = await runToStop(h, clash);
      assert.equal(failed.stopCode, "TaskFailedToStart");
      assert.match(failed.stoppedReason ?? "", new RegExp(`127\\.0\\.0\\.1:${fixed}.*already allocated`));
      h.runner.stop(task.taskArn, "UserInitiated", "Task stopped by user");
      h.runner.stop(bridge.taskArn, "UserInitiated", "Task stopped by user");
      await h.recorder.status(task.taskArn, "STOPPED");
      const bridgeStopped = await h.recorder.status(bridge.taskArn, "STOPPED");
      // SIGKILL after the stop timeout: 128 + 9.
      assert.equal(bridgeStopped.containers[0]?.exitCode, 137);
    },
  },
  {
    name: "dependsOn COMPLETE: the app starts only after the init container finished",
    async run(h) {
      const task = launch(
        [
          container("app", h.image, {
            command: ["sh", "-c", "test -f /shared/ready && echo saw-init-output || echo init-output-missing"],
            dependsOn: [{ containerName: "init", condition: "COMPLETE" }],
            mountPoints: [{ sourceVolume: "scratch", containerPath: "/shared", readOnly: false }],
            logConfiguration: awslogs("/ecs/depends"),
          }),
          container("init", h.image, {
            essential: false,
            command: ["sh", "-c", "sleep 1; touch /shared/ready"],
            mountPoints: [{ sourceVolume: "scratch", containerPath: "/shared", readOnly: false }],
          }),
        ],
        { volumes: [{ name: "scratch" }] },
      );
      const stopped = await runToStop(h, task);
      assert.deepEqual(messages(h, `ecs/app/${task.taskId}`), ["saw-init-output"]);
      assert.equal(stopped.containers[1]?.exitCode, 0);
      const appCreated = h.recorder.of(task.taskArn).findIndex((p) => p.containers[0]?.runtimeId !== undefined);
      const initStopped = h.recorder.of(task.taskArn).findIndex((p) => p.containers[1]?.exitCode !== undefined);
      assert.ok(initStopped >= 0 && initStopped < appCreated, "app was created before init completed");
    },
  },
  {
    name: "a passing health check makes the container and the task HEALTHY",
    async run(h) {
      const task = launch([
        container("app", h.image, {
          command: ["sh", "-c", `mkdir -p /tmp && touch /tmp/ok; ${UNTIL_TERM_SCRIPT}`],
          healthCheck: { command: ["CMD-SHELL", "test -f /tmp/ok"], intervalSeconds: 1, timeoutSeconds: 2, retries: 2, startPeriodSeconds: 0 },
        }),
      ]);
      h.runner.start(task);
      const healthy = await h.recorder.until(task.taskArn, (p) => p.healthStatus === "HEALTHY");
      assert.equal(healthy.containers[0]?.healthStatus, "HEALTHY");
      h.runner.stop(task.taskArn, "UserInitiated", "Task stopped by user");
      await h.recorder.status(task.taskArn, "STOPPED");
    },
  },
  {
    name: "a failing health check on an essential container stops the task",
    async run(h) {
      const task = launch([
        container("app", h.image, {
          command: UNTIL_TERM,
          healthCheck: { command: ["CMD-SHELL", "exit 1"], intervalSeconds: 1, timeoutSeconds: 2, retries: 1, startPeriodSeconds: 0 },
        }),
      ]);
      const stopped = await runToStop(h, task);
      assert.equal(stopped.stoppedReason, "Task failed container health checks");
      assert.equal(stopped.containers[0]?.healthStatus, "UNHEALTHY");
      assert.equal(stopped.healthStatus, "UNHEALTHY");
    },
  },
  {
    name: "awslogs: stdout and stderr lines reach <prefix>/<container>/<task id>, all before STOPPED",
    async run(h) {
      const lines = Array.from({ length: 250 }, (_, i) => `line-${i}`);
      const task = launch([
        container("talker", h.image, {
          command: ["sh", "-c", "i=0; while [ $i -lt 250 ]; do echo line-$i; i=$((i+1)); done; echo to-stderr >&2; printf no-newline"],
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/talk", "awslogs-stream-prefix": "web", "awslogs-create-group": "true" } },
        }),
      ]);
      await runToStop(h, task);
      const stream = `web/talker/${task.taskId}`;
      const got = messages(h, stream);
      assert.deepEqual(got.filter((line) => line.startsWith("line-")), lines);
      assert.ok(got.includes("to-stderr"));
      assert.ok(got.includes("no-newline"));
      const calls = h.services.logs.filter((call) => call.stream === stream);
      assert.ok(calls.every((call) => call.group === "/ecs/talk" && call.createGroup));
    },
  },
  {
    name: "the metadata, credentials and AWS endpoints answer from inside the container",
    async run(h) {
      const script = [
        'u=${ECS_CONTAINER_METADATA_URI_V4#http://}; hp=${u%%/*}; path=/${u#*/}; host=${hp%:*}; port=${hp#*:}',
        // busybox nc may quit at the end of its input: keep it open until the answer is in.
        'get() { (printf "GET $1 HTTP/1.0\\r\\nHost: $hp\\r\\n\\r\\n"; sleep 1) | nc $host $port | grep "$2"; }',
        'echo "C:$(get $path "^{")"',
        'echo "T:$(get $path/task "^{")"',
        'c=${AWS_CONTAINER_CREDENTIALS_FULL_URI#http://}',
        'echo "K:$(get /${c#*/} "^{")"',
        'echo "P:$(get /some/aws/path "^stratus:")"',
        'echo "E:$AWS_ENDPOINT_URL|$AWS_REGION|$AWS_DEFAULT_REGION|$AWS_EXECUTION_ENV|$MY_VAR"',
      ].join("\n");
      const task = launch([container("probe", h.image, { command: ["sh", "-c", script], environment: [{ name: "MY_VAR", value: "mine" }], logConfiguration: awslogs("/ecs/meta") })], {
        taskRoleArn: "arn:aws:iam::000000000000:role/task-role",
      });
      await runToStop(h, task);
      const out = messages(h, `ecs/probe/${task.taskId}`);
      const field = (prefix: string) => out.find((line) => line.startsWith(prefix))?.slice(prefix.length) ?? "";
      const containerMeta = JSON.parse(field("C:")) as Record<string, unknown>;
      assert.equal(containerMeta.Name, "probe");
      assert.equal((containerMeta.Labels as Record<string, string>)["com.amazonaws.ecs.task-arn"], task.taskArn);
      assert.match(String(containerMeta.DockerId), /^[0-9a-f]{64}$/);
      const taskMeta = JSON.parse(field("T:")) as Record<string, unknown>;
      assert.equal(taskMeta.TaskARN, task.taskArn);
      assert.equal(taskMeta.Cluster, task.clusterArn);
      assert.equal(taskMeta.Family, "runner-test");
      assert.equal(taskMeta.Revision, "3");
      assert.equal(taskMeta.LaunchType, "FARGATE");
      assert.equal((taskMeta.Containers as unknown[]).length, 1);
      const credentials = JSON.parse(field("K:")) as Record<string, string>;
      assert.equal(credentials.AccessKeyId, "ASIATESTTESTTESTTEST");
      assert.equal(credentials.RoleArn, "arn:aws:iam::000000000000:role/task-role");
      assert.match(field("P:"), /^stratus:GET:\/some\/aws\/path:169\.254\.170\.2:\d+$/);
      const [endpoint, region, defaultRegion, executionEnv, mine] = field("E:").split("|");
      assert.match(endpoint ?? "", /^http:\/\/169\.254\.170\.2:\d+$/);
      assert.deepEqual([region, defaultRegion, executionEnv, mine], ["us-east-1", "us-east-1", "AWS_ECS_FARGATE", "mine"]);
    },
  },
  {
    name: "an image that cannot be pulled fails the task with CannotPullContainerError",
    async run(h) {
      const task = launch([container("app", "127.0.0.1:1/missing/image:1")]);
      const stopped = await runToStop(h, task);
      assert.equal(stopped.stopCode, "TaskFailedToStart");
      assert.match(stopped.stoppedReason ?? "", /^CannotPullContainerError: /);
      assert.match(stopped.containers[0]?.reason ?? "", /^CannotPullContainerError: /);
      assert.ok(!h.recorder.statuses(task.taskArn).includes("RUNNING"));
    },
  },
  {
    name: "container settings: user, workingDirectory, readonlyRootFilesystem, ulimits, memory and environment",
    async run(h) {
      const task = launch([
        container("app", h.image, {
          command: ["sh", "-c", 'echo "uid=$(id -u) pwd=$(pwd) nofile=$(ulimit -n)/$(ulimit -Hn) mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) greeting=$GREETING"; touch /x 2>/dev/null && echo writable || echo read-only'],
          user: "1000:1000",
          workingDirectory: "/bin",
          readonlyRootFilesystem: true,
          ulimits: [{ name: "nofile", softLimit: 1234, hardLimit: 2345 }],
          memory: 64,
          environment: [{ name: "GREETING", value: "hi there" }],
          logConfiguration: awslogs("/ecs/settings"),
        }),
      ]);
      const stopped = await runToStop(h, task);
      assert.equal(stopped.containers[0]?.exitCode, 0);
      assert.deepEqual(messages(h, `ecs/app/${task.taskId}`), [`uid=1000 pwd=/bin nofile=1234/2345 mem=${64 * 1024 * 1024} greeting=hi there`, "read-only"]);
    },
  },
  {
    name: "network modes none and host run their containers (none: no network at all)",
    async run(h) {
      const probe = ["sh", "-c", 'echo "meta=${ECS_CONTAINER_METADATA_URI_V4:-none}"; ls /sys/class/net'];
      const none = launch([container("app", h.image, { command: probe, logConfiguration: awslogs("/ecs/modes") })], { networkMode: "none", launchType: "EC2" });
      const host = launch([container("app", h.image, { command: probe, logConfiguration: awslogs("/ecs/modes") })], { networkMode: "host", launchType: "EC2" });
      const [noneStopped, hostStopped] = await Promise.all([runToStop(h, none), runToStop(h, host)]);
      assert.equal(noneStopped.containers[0]?.exitCode, 0);
      assert.equal(hostStopped.containers[0]?.exitCode, 0);
      assert.deepEqual(messages(h, `ecs/app/${none.taskId}`), ["meta=none", "lo"]);
      const hostLines = messages(h, `ecs/app/${host.taskId}`);
      assert.match(hostLines[0] ?? "", /^meta=http:\/\/169\.254\.170\.2:\d+\/v4\/[0-9a-f]+$/);
      assert.ok(hostLines.length > 2, "the host's interfaces are visible");
    },
  },
  {
    name: "dependsOn SUCCESS that fails keeps the dependent from starting; HEALTHY waits for the check",
    async run(h) {
      const failing = launch([
        container("app", h.image, { command: ["true"], dependsOn: [{ containerName: "migrate", condition: "SUCCESS" }] }),
        container("migrate", h.image, { essential: false, command: ["sh", "-c", "exit 4"] }),
      ]);
      const stopped = await runToStop(h, failing);
      assert.equal(stopped.stopCode, "TaskFailedToStart");
      assert.equal(stopped.containers[0]?.runtimeId, undefined);
      assert.equal(stopped.containers[1]?.exitCode, 4);
      assert.ok(!h.recorder.statuses(failing.taskArn).includes("RUNNING"));

      const healthy = launch([
        container("app", h.image, { command: ["sh", "-c", "echo app-started"], dependsOn: [{ containerName: "db", condition: "HEALTHY" }] }),
        container("db", h.image, {
          essential: false,
          command: ["sh", "-c", "sleep 2; mkdir -p /tmp; touch /tmp/up; while true; do sleep 1; done"],
          stopTimeoutSeconds: 1,
          healthCheck: { command: ["CMD-SHELL", "test -f /tmp/up"], intervalSeconds: 1, timeoutSeconds: 2, retries: 10, startPeriodSeconds: 0 },
        }),
      ]);
      const done = await runToStop(h, healthy);
      assert.equal(done.stopCode, "EssentialContainerExited");
      assert.equal(done.containers[0]?.exitCode, 0);
      const reports = h.recorder.of(healthy.taskArn);
      const appCreated = reports.findIndex((p) => p.containers[0]?.runtimeId !== undefined);
      const dbHealthy = reports.findIndex((p) => p.containers[1]?.healthStatus === "HEALTHY");
      assert.ok(dbHealthy >= 0 && dbHealthy < appCreated, "app was created before db was healthy");
    },
  },
  {
    name: "a container the engine cannot start fails the task with CannotStartContainerError",
    async run(h) {
      // "waiter" depends on the broken container: the failure must end the task, not leave it waiting.
      const task = launch([
        container("app", h.image, { entryPoint: ["/no/such/program"] }),
        container("waiter", h.image, { command: ["true"], dependsOn: [{ containerName: "app", condition: "HEALTHY" }] }),
      ]);
      const stopped = await runToStop(h, task);
      assert.equal(stopped.stopCode, "TaskFailedToStart");
      assert.match(stopped.stoppedReason ?? "", /^CannotStartContainerError: .*no\/such\/program/);
      assert.match(stopped.containers[0]?.reason ?? "", /^CannotStartContainerError: /);
      assert.equal(stopped.containers[0]?.lastStatus, "STOPPED");
      assert.equal(stopped.containers[1]?.runtimeId, undefined);
    },
  },
  {
    name: "a volume with a host path is bind-mounted (read-only where the mount point says so)",
    async run(h) {
      const dir = mkdtempSync(join(tmpdir(), "stratus-hostpath-"));
      writeFileSync(join(dir, "greeting.txt"), "from-the-host\n");
      try {
        const task = launch(
          [
            container("app", h.image, {
              command: ["sh", "-c", "cat /host/greeting.txt; touch /host/new 2>/dev/null && echo writable || echo read-only; echo rw > /rw/written"],
              mountPoints: [
                { sourceVolume: "shared", containerPath: "/host", readOnly: true },
                { sourceVolume: "shared", containerPath: "/rw", readOnly: false },
              ],
              logConfiguration: awslogs("/ecs/volumes"),
            }),
          ],
          { volumes: [{ name: "shared", hostPath: dir }] },
        );
        const stopped = await runToStop(h, task);
        assert.equal(stopped.containers[0]?.exitCode, 0);
        assert.deepEqual(messages(h, `ecs/app/${task.taskId}`), ["from-the-host", "read-only"]);
        assert.equal(readFileSync(join(dir, "written"), "utf8"), "rw\n");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
