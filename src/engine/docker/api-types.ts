/** Docker Engine API shapes (v1.41) the client sends and reads, with Docker's own field names. */

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface HealthcheckConfig {
  /** ["CMD", exe, …], ["CMD-SHELL", "…"] or ["NONE"]. */
  Test: string[];
  /** Nanoseconds. */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface MountConfig {
  Type: "bind" | "volume" | "tmpfs";
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
}

export interface HostConfig {
  NetworkMode?: string;
  /** Bytes. */
  Memory?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuShares?: number;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  Binds?: string[];
  Mounts?: MountConfig[];
  ReadonlyRootfs?: boolean;
  Init?: boolean;
  AutoRemove?: boolean;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
  ExtraHosts?: string[];
  Dns?: string[];
}

/** The body of POST /containers/create (Docker's own field names). */
export interface ContainerCreateOptions {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  Hostname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  StopSignal?: string;
  StopTimeout?: number;
  ExposedPorts?: Record<string, Record<string, never>>;
  Healthcheck?: HealthcheckConfig;
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, { IPAMConfig?: { IPv4Address?: string }; Aliases?: string[] }> };
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  State: {
    Status: "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
    Running: boolean;
    OOMKilled: boolean;
    Pid: number;
    ExitCode: number;
    Error: string;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: "starting" | "healthy" | "unhealthy" | "none"; FailingStreak: number; Log?: Array<{ ExitCode: number; Output: string }> };
  };
  Config: { Image: string; Labels: Record<string, string> | null; Env: string[] | null };
  NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string; NetworkID: string }> | null };
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Labels: Record<string, string>;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Config: { Env?: string[] | null; Cmd?: string[] | null; Entrypoint?: string[] | null; WorkingDir?: string; User?: string } | null;
}

export interface NetworkInspect {
  Id: string;
  Name: string;
  Internal: boolean;
  IPAM: { Config: Array<{ Subnet?: string; Gateway?: string }> | null };
  Labels: Record<string, string> | null;
}
