/** The one error type handlers throw; codecs turn it into each protocol's AWS error shape. */

export interface AwsErrorOptions {
  /** HTTP status; when absent the codec takes it from the model's error table, else 400. */
  status?: number;
  /** Extra members of the modelled error structure (e.g. Lambda's `Type`). */
  fields?: Record<string, unknown>;
  /** Server-side fault (5xx, `Receiver`) rather than the caller's. */
  server?: boolean;
}

export class AwsError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly fields: Record<string, unknown>;
  readonly server: boolean;

  constructor(code: string, message: string, options: AwsErrorOptions = {}) {
    super(message);
    this.name = "AwsError";
    this.code = code;
    this.status = options.status;
    this.fields = options.fields ?? {};
    this.server = options.server ?? false;
  }
}

export const isAwsError = (value: unknown): value is AwsError => value instanceof AwsError;

/** Errors every protocol needs, named as AWS names them. */
export const notImplemented = (operation: string): AwsError =>
  new AwsError("NotImplemented", `The operation ${operation} is not implemented by Stratus.`, { status: 501 });

export const internalFailure = (): AwsError =>
  new AwsError("InternalFailure", "The request processing has failed because of an unknown error, exception or failure.", {
    status: 500,
    server: true,
  });
