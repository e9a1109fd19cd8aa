/** What the Lambda engine is told about a function and what it answers for an invocation. */

export interface FunctionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/** A container image function (PackageType Image): what Docker runs and how. */
export interface ImageSpec {
  /** The reference Docker runs: a local image (id or tag), or a reference in Stratus's registry (pulled when absent). */
  reference: string;
  /** Credentials for pulling `reference` from Stratus's registry; undefined for a local image. */
  auth: (() => { serveraddress: string; username: string; password: string }) | undefined;
  /** ImageConfig overrides of the image's ENTRYPOINT, CMD and WORKDIR. */
  entryPoint: string[] | undefined;
  command: string[] | undefined;
  workingDirectory: string | undefined;
}

export interface FunctionSpec {
  account: string;
  region: string;
  functionName: string;
  /** "$LATEST" or a version number. */
  version: string;
  runtime: string;
  handler: string;
  memoryMb: number;
  timeoutSec: number;
  environment: Record<string, string>;
  /** Environments made for another revision of the configuration are retired. */
  revision: string;
  /** The zip's digest in the blob store, or undefined for hot-reload code. */
  codeDigest: string | undefined;
  hotReloadDir: string | undefined;
  /** Blob digests of the attached layers, in order: merged into the environment's /opt. */
  layerDigests: string[];
  /** Set for container image functions: they run in Docker instead of the process runner. */
  image?: ImageSpec | undefined;
  /** Stratus's URL: AWS_ENDPOINT_URL inside the function. */
  endpoint: string;
  /** Called once per new execution environment: the role's temporary credentials. */
  credentials: () => FunctionCredentials;
  /** The function's reserved concurrency (undefined: it shares the account's unreserved pool). */
  reserved: number | undefined;
  /** Size of the unreserved pool (account limit minus all reservations). */
  unreservedLimit: number;
}

export interface InvokeRequest {
  requestId: string;
  payload: Buffer;
  invokedFunctionArn: string;
  clientContext?: string | undefined;
  /** Tail: keep the invocation's log text for the caller. */
  wantLog: boolean;
}

export interface InvokeResult {
  payload: Buffer;
  /** "Unhandled" when the function failed (handled errors are the function's own payload). */
  functionError?: "Unhandled";
  /** The invocation's log (START … REPORT) when asked for. */
  logText?: string;
}

export interface LogEvent {
  timestamp: number;
  message: string;
}

/**
 * Where the engine sends each invocation's log events (CloudWatch Logs, via the service layer). They come as a function
 * the sink calls when it writes them: building them reads the process's peak memory (for REPORT) off the invocation's path.
 */
export type LogSink = (spec: FunctionSpec, logStream: string, events: () => LogEvent[]) => void;

/** Thrown when concurrency is exhausted: the service answers TooManyRequestsException. */
export class ThrottledError extends Error {
  readonly reason: "ReservedFunctionConcurrentInvocationLimitExceeded" | "ConcurrentInvocationLimitExceeded";
  constructor(reason: ThrottledError["reason"]) {
    super("Rate Exceeded.");
    this.reason = reason;
  }
}
