/** What runs an EC2 instance: the runner interface, its lifecycle timings, and the `mock` runner (records only). */

/** What a runner needs to know about an instance (a plain view of the stored record). */
export interface InstanceSpec {
  instanceId: string;
  imageId: string;
  imageName?: string | undefined;
  instanceType: string;
  architecture: string;
  /** "windows" for Windows images, undefined for Linux/UNIX. */
  platform?: string | undefined;
  /** Base64, as the caller sent it. */
  userData?: string | undefined;
  privateIpAddress?: string | undefined;
  privateDnsName?: string | undefined;
  vCpus?: number | undefined;
  memoryMiB?: number | undefined;
}

/** How long the transitional state a call starts lasts (pending, stopping, shutting-down). */
export interface Transition {
  durationMs: number;
}

/** What a runner observes of an instance it was asked to run. */
export interface RunnerObservation {
  instanceId: string;
  /** What the runner last did with the instance. */
  phase: "prepared" | "running" | "stopped" | "terminated";
  /** Epoch ms of the last start (boot) of the instance. */
  bootedAt?: number | undefined;
  reboots: number;
}

export interface InstanceRunner {
  readonly name: string;
  /** Readies what the instance needs (image, disks) before its first start. */
  prepare(spec: InstanceSpec): void;
  /** pending → running. */
  start(spec: InstanceSpec): Transition;
  /** stopping → stopped (`force` skips the guest's clean shutdown). */
  stop(spec: InstanceSpec, options: { force: boolean }): Transition;
  /** A reboot keeps the instance running (no state change is visible through the API). */
  reboot(spec: InstanceSpec): void;
  /** shutting-down → terminated. */
  terminate(spec: InstanceSpec): Transition;
  /** The serial console text of the instance's last boot, as of `now` (epoch ms). */
  consoleOutput(spec: InstanceSpec, bootedAt: number, now: number): string;
  /** What the runner knows of the instance (nothing after a restart for runners that keep no state). */
  inspect(instanceId: string): RunnerObservation | undefined;
}

/** Lifecycle timings, from STRATUS_EC2_* settings: short by default so waiters and tests are quick. */
export interface LifecycleTimings {
  /** pending → running, stopping → stopped, shutting-down → terminated. */
  transitionMs: number;
  /** After running, status checks report "initializing" this long, then "ok". */
  statusInitMs: number;
  /** Terminated instances stay visible this long (about an hour on AWS). */
  terminatedRetentionMs: number;
}

function msSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export function lifecycleTimings(env: NodeJS.ProcessEnv = process.env): LifecycleTimings {
  const transitionMs = msSetting(env, "STRATUS_EC2_TRANSITION_MS", 500);
  return {
    transitionMs,
    statusInitMs: msSetting(env, "STRATUS_EC2_STATUS_INIT_MS", transitionMs),
    terminatedRetentionMs: msSetting(env, "STRATUS_EC2_TERMINATED_RETENTION_MS", 60 * 60 * 1000),
  };
}

const KERNELS: Record<string, string> = { x86_64: "6.1.119-129.201.amzn2023.x86_64", arm64: "6.1.119-129.201.amzn2023.aarch64" };

/** A plausible Linux serial console of a cloud-init boot, cut at how far the boot got by `now`. */
function linuxConsole(spec: InstanceSpec, bootedAt: number, now: number): string {
  const kernel = KERNELS[spec.architecture] ?? KERNELS.x86_64 ?? "";
  const stamp = (offsetMs: number): string => `[${(offsetMs / 1000).toFixed(6).padStart(12)}]`;
  const host = spec.privateDnsName?.split(".")[0] ?? `ip-${(spec.privateIpAddress ?? "10.0.0.1").replaceAll(".", "-")}`;
  const isoAt = (offsetMs: number): string => new Date(bootedAt + offsetMs).toISOString().replace("T", " ").slice(0, 19);
  const lines: Array<[number, string]> = [
    [0, `${stamp(0)} Linux version ${kernel} (mockbuild@ip-10-0-50-159) (gcc (GCC) 11.4.1 20230605) #1 SMP PREEMPT_DYNAMIC`],
    [1, `${stamp(0)} Command line: BOOT_IMAGE=(hd0,gpt1)/boot/vmlinuz-${kernel} root=UUID=2d1e8b0c-9c2f-4d3a-8b7e-5d2a1f0c9e11 ro console=tty0 console=ttyS0,115200n8 nvme_core.io_timeout=4294967295`],
    [2, `${stamp(0)} BIOS-provided physical RAM map:`],
    [3, `${stamp(0)} DMI: Amazon EC2 ${spec.instanceType}/, BIOS 1.0 10/16/2017`],
    [4, `${stamp(0)} Hypervisor detected: KVM`],
    [20, `${stamp(12)} smpboot: Allowing ${spec.vCpus ?? 2} CPUs, 0 hotplug CPUs`],
    [40, `${stamp(31)} Memory: ${Math.round((spec.memoryMiB ?? 1024) * 1024 * 0.93)}K/${(spec.memoryMiB ?? 1024) * 1024}K available`],
    [80, `${stamp(402)} nvme nvme0: 2/0/0 default/read/poll queues`],
    [120, `${stamp(611)} EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode. Quota mode: none.`],
    [160, `${stamp(1204)} systemd[1]: Detected virtualization amazon.`],
    [200, `${stamp(1210)} systemd[1]: Hostname set to <${host}>.`],
    [260, `cloud-init[1650]: Cloud-init v. 22.2.2 running 'init' at ${isoAt(2100)}. Up 2.10 seconds.`],
    [300, `cloud-init[1650]: ci-info: ++++++++++++++++++++++++Net device info+++++++++++++++++++++++++`],
    [310, `cloud-init[1650]: ci-info: | ens5 | True | ${(spec.privateIpAddress ?? "-").padEnd(15)} | 255.255.240.0 | global |`],
    [360, `cloud-init[1650]: Generating public/private ed25519 key pair.`],
    [400, `cloud-init[2104]: Cloud-init v. 22.2.2 running 'modules:config' at ${isoAt(3900)}. Up 3.90 seconds.`],
    [440, `cloud-init[2203]: Cloud-init v. 22.2.2 running 'modules:final' at ${isoAt(4500)}. Up 4.50 seconds.`],
    [470, `cloud-init[2203]: Cloud-init v. 22.2.2 finished at ${isoAt(4700)}. Datasource DataSourceEc2.  Up 4.70 seconds`],
    [490, ``],
    [495, `Amazon Linux 2023.6.20241212`],
    [500, `Kernel ${kernel} on an ${spec.architecture === "arm64" ? "aarch64" : "x86_64"} (-)`],
    [505, `${host} login: `],
  ];
  // The mock boot "takes" about half a second: show the lines reached so far.
  const elapsed = Math.max(0, now - bootedAt);
  return lines.filter(([at]) => at <= elapsed).map(([, line]) => line).join("\r\n");
}

function windowsConsole(bootedAt: number, now: number): string {
  const lines = [
    `${new Date(bootedAt).toISOString()}: Windows sysprep configuration complete.`,
    `${new Date(bootedAt + 200).toISOString()}: Message: Waiting for meta-data accessibility...`,
    `${new Date(bootedAt + 300).toISOString()}: Message: Meta-data is now available.`,
    `${new Date(bootedAt + 400).toISOString()}: AMI Origin Version: 2024.12.13`,
    `${new Date(bootedAt + 500).toISOString()}: Message: Windows is Ready to use`,
  ];
  return lines.slice(0, Math.min(lines.length, 1 + Math.floor(Math.max(0, now - bootedAt) / 100))).join("\r\n");
}

/** Runs nothing: remembers what it was asked (for inspect) and reports the configured transition times. */
export function createMockRunner(timings: LifecycleTimings = lifecycleTimings()): InstanceRunner {
  const seen = new Map<string, RunnerObservation>();
  const observe = (instanceId: string): RunnerObservation => {
    let observation = seen.get(instanceId);
    if (!observation) {
      observation = { instanceId, phase: "prepared", reboots: 0 };
      seen.set(instanceId, observation);
    }
    return observation;
  };
  const transition = { durationMs: timings.transitionMs };
  return {
    name: "mock",
    prepare: (spec) => void observe(spec.instanceId),
    start: (spec) => {
      const observation = observe(spec.instanceId);
      observation.phase = "running";
      observation.bootedAt = Date.now();
      return transition;
    },
    stop: (spec) => {
      observe(spec.instanceId).phase = "stopped";
      return transition;
    },
    reboot: (spec) => {
      const observation = observe(spec.instanceId);
      observation.reboots++;
      observation.bootedAt = Date.now();
    },
    terminate: (spec) => {
      observe(spec.instanceId).phase = "terminated";
      return transition;
    },
    consoleOutput: (spec, bootedAt, now) => (spec.platform === "windows" ? windowsConsole(bootedAt, now) : linuxConsole(spec, bootedAt, now)),
    inspect: (instanceId) => seen.get(instanceId),
  };
}

let current: { runner: InstanceRunner; timings: LifecycleTimings } | undefined;

/** The process's instance runner (STRATUS_EC2_RUNNER; only `mock` exists so far) and its timings. */
export function instanceRunner(): { runner: InstanceRunner; timings: LifecycleTimings } {
  if (!current) {
    const timings = lifecycleTimings();
    const name = process.env.STRATUS_EC2_RUNNER ?? "mock";
    if (name !== "mock") throw new Error(`unknown EC2 runner '${name}' (available: mock)`);
    current = { runner: createMockRunner(timings), timings };
  }
  return current;
}
