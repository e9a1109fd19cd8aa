/** How an execution environment's process is started: bubblewrap when present, cgroup v1 memory limits when writable, else plain processes. */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

const CGROUP_MEMORY = "/sys/fs/cgroup/memory";

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface SandboxCapabilities {
  bwrap: string | undefined;
  setpriv: string | undefined;
  /** This process's cgroup v1 memory directory, when we may create groups. */
  cgroupRoot: string | undefined;
}

let detected: SandboxCapabilities | undefined;

/** STRATUS_LAMBDA_SANDBOX=none turns bubblewrap off (e.g. inside containers that forbid namespaces). */
export function capabilities(): SandboxCapabilities {
  if (detected) return detected;
  const found = process.env.STRATUS_LAMBDA_SANDBOX === "none" ? undefined : onPath("bwrap");
  const bwrap = found && bwrapWorks(found) ? found : undefined;
  let cgroupRoot: string | undefined;
  if (process.env.STRATUS_LAMBDA_CGROUPS !== "off" && existsSync(join(CGROUP_MEMORY, "cgroup.procs"))) {
    reapStaleCgroups();
    const dir = join(CGROUP_MEMORY, `stratus-${process.pid}`);
    try {
      mkdirSync(dir, { recursive: true });
      cgroupRoot = dir;
    } catch {
      cgroupRoot = undefined;
    }
  }
  detected = { bwrap, setpriv: onPath("setpriv"), cgroupRoot };
  return detected;
}

/** bubblewrap needs namespaces the machine may forbid (no user namespaces for non-root, some containers): try it once. */
function bwrapWorks(bwrap: string): boolean {
  try {
    execFileSync(bwrap, ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-pid", "--die-with-parent", "true"], { stdio: "ignore", timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Groups left by a Stratus that died: kill what is still in them and remove them. */
function reapStaleCgroups(): void {
  let names: string[];
  try {
    names = readdirSync(CGROUP_MEMORY).filter((name) => /^stratus-\d+$/.test(name));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.slice("stratus-".length));
    if (pid === process.pid || existsSync(`/proc/${pid}`)) continue;
    const dir = join(CGROUP_MEMORY, name);
    for (const child of readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      removeCgroup(join(dir, child.name), true);
    }
    removeCgroup(dir, false);
  }
}

/**
 * Groups are reused: a process joining a freshly made memory cgroup starts ~15 ms slower (the kernel sets up the
 * group's accounting on first use), one joining a used group does not.
 */
const spareCgroups: string[] = [];
const MAX_SPARE = 64;
let cgroupCount = 0;

function writeLimit(dir: string, bytes: string): void {
  // memsw (memory+swap) must stay ≥ the memory limit: raise it first, lower it last. Without swap accounting it is absent.
  const write = (file: string): boolean => {
    try {
      writeFileSync(join(dir, file), bytes);
      return true;
    } catch {
      return false;
    }
  };
  if (!write("memory.limit_in_bytes")) {
    write("memory.memsw.limit_in_bytes");
    if (!write("memory.limit_in_bytes")) throw new Error("cannot set the memory limit");
  }
  // Without a swap limit an over-allocation would swap instead of failing as on Lambda.
  write("memory.memsw.limit_in_bytes");
}

export function createCgroup(memoryMb: number): string | undefined {
  const root = capabilities().cgroupRoot;
  if (!root) return undefined;
  const bytes = String(memoryMb * 1024 * 1024);
  try {
    const reused = spareCgroups.pop();
    const dir = reused ?? join(root, `env-${++cgroupCount}`);
    if (!reused) mkdirSync(dir);
    writeLimit(dir, bytes);
    // Peaks start again for the new environment (writing 0 resets the high-water marks).
    for (const file of ["memory.max_usage_in_bytes", "memory.memsw.max_usage_in_bytes"]) {
      try {
        writeFileSync(join(dir, file), "0");
      } catch {
        // absent without swap accounting
      }
    }
    return dir;
  } catch {
    return undefined;
  }
}

/** After an environment: kill what is left in its group, then keep the group for the next environment (or remove it). */
export function releaseCgroup(dir: string, attempt = 0): void {
  let members: string[] = [];
  try {
    members = readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean);
  } catch {
    return;
  }
  if (members.length > 0) {
    for (const pid of members) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (attempt < 20) setTimeout(() => releaseCgroup(dir, attempt + 1), 50).unref();
    return;
  }
  if (spareCgroups.length < MAX_SPARE && !spareCgroups.includes(dir)) spareCgroups.push(dir);
  else removeCgroup(dir, false);
}

/** On exit: the spare (empty) groups go at once. */
export function removeSpareCgroups(): void {
  for (const dir of spareCgroups.splice(0)) removeCgroup(dir, false);
}

/** Kills every process in a group, now (Stratus exiting). */
export function killCgroupMembers(dir: string): void {
  try {
    for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
  } catch {
    // gone
  }
}

export function removeCgroup(dir: string, killMembers: boolean): void {
  try {
    if (killMembers) {
      for (const pid of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    rmdirSync(dir);
  } catch {
    // still busy (processes exiting) or gone; the next start reaps it
  }
}

/**
 * Peak memory of the environment in bytes: the larger of the cgroup's high-water mark (memory charged to the
 * environment) and its processes' peak RSS (which also counts the runtime's shared pages, as Lambda's figure does).
 */
export function peakMemory(cgroupDir: string | undefined, pid: number | undefined): number {
  let peak = 0;
  if (cgroupDir) {
    try {
      peak = Number(readFileSync(join(cgroupDir, "memory.max_usage_in_bytes"), "utf8"));
    } catch {
      // no cgroup figure
    }
  }
  const visit = (p: number, depth: number): void => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1];
      if (hwm) peak = Math.max(peak, Number(hwm) * 1024);
      if (depth > 4) return;
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, "utf8").split(" ").filter(Boolean)) visit(Number(child), depth + 1);
    } catch {
      // process gone
    }
  };
  if (pid) visit(pid, 0);
  return peak;
}

/** Resident memory of a process and its descendants in bytes (0 where /proc is missing). */
export function residentMemory(pid: number | undefined): number {
  let total = 0;
  const visit = (p: number, depth: number): void => {
    try {
      total += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) * 1024;
      if (depth > 4) return;
      for (const child of readFileSync(`/proc/${p}/task/${p}/children`, "utf8").split(" ").filter(Boolean)) visit(Number(child), depth + 1);
    } catch {
      // process gone
    }
  };
  if (pid) visit(pid, 0);
  return total;
}

export interface Launch {
  file: string;
  args: string[];
  cwd: string;
  /** What the function sees as its code directory (LAMBDA_TASK_ROOT) and runtime directory. */
  taskRoot: string;
  runtimeRoot: string;
  optRoot: string | undefined;
}

export interface LaunchPlan {
  codeDir: string;
  runtimeDir: string;
  optDir: string | undefined;
  /** The command line, given where the process sees its code, the runtime client and the layers. */
  command: (taskRoot: string, runtimeRoot: string, optRoot: string | undefined) => string[];
  cgroupDir: string | undefined;
}

/**
 * bubblewrap: the host's filesystem read-only, code at /var/task and the runtime client at /var/runtime (read-only),
 * a private /tmp, its own PID namespace, killed with its parent. The network namespace stays the host's on purpose:
 * the function must reach Stratus (AWS_ENDPOINT_URL, the Runtime API) on 127.0.0.1.
 */
export function launch(plan: LaunchPlan): Launch {
  const caps = capabilities();
  let file: string;
  let args: string[];
  let taskRoot = plan.codeDir;
  let runtimeRoot = plan.runtimeDir;
  let optRoot = plan.optDir;
  if (caps.bwrap) {
    taskRoot = "/var/task";
    runtimeRoot = "/var/runtime";
    const sandbox = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/var"];
    sandbox.push("--ro-bind", plan.codeDir, taskRoot, "--ro-bind", plan.runtimeDir, runtimeRoot);
    if (plan.optDir) {
      optRoot = "/opt";
      sandbox.push("--ro-bind", plan.optDir, "/opt");
    }
    sandbox.push("--unshare-pid", "--die-with-parent", "--chdir", taskRoot);
    file = caps.bwrap;
    args = [...sandbox, ...plan.command(taskRoot, runtimeRoot, optRoot)];
  } else {
    const command = plan.command(taskRoot, runtimeRoot, optRoot);
    // PR_SET_PDEATHSIG through setpriv: even a function stuck in a loop dies with Stratus.
    if (caps.setpriv) {
      file = caps.setpriv;
      args = ["--pdeathsig", "KILL", "--", ...command];
    } else {
      file = command[0] ?? "";
      args = command.slice(1);
    }
  }
  if (plan.cgroupDir) {
    // Join the group before exec so every process of the environment is inside it from the start.
    args = ["-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', plan.cgroupDir, file, ...args];
    file = "/bin/sh";
  }
  return { file, args, cwd: plan.codeDir, taskRoot, runtimeRoot, optRoot };
}

let python: string | null | undefined;

/** The real python3 interpreter (pyenv shims need the user's environment, which functions do not get). */
export function pythonExecutable(): string | undefined {
  if (python === undefined) {
    try {
      python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8", timeout: 5000 }).trim() || null;
    } catch {
      python = null;
    }
  }
  return python ?? undefined;
}
