/** The contract every protocol codec (ec2, awsQuery, awsJson, restJson1, restXml) fulfils. */
import type { HttpRequest, HttpResponse } from "./http-types.ts";
import type { AwsError } from "../shared/aws-error.ts";
import type { LoadedModel } from "./model-registry.ts";
import type { ProtocolName } from "./model-types.ts";

/**
 * Values inside decoded inputs and outputs follow the SDK's own TypeScript types:
 * strings, numbers, booleans, `Date` for timestamps, `Uint8Array` for blobs, arrays, plain objects
 * (structures and maps), and any JSON value for documents. When serializing, a timestamp may also be
 * given as an ISO-8601 string or epoch milliseconds number, and a blob as a Buffer or string.
 */
export type Value = unknown;

export interface ParsedRequest {
  operation: string;
  input: Record<string, Value>;
}

export interface Codec {
  readonly protocol: ProtocolName;
  /**
   * Finds the operation (from X-Amz-Target, Action or the REST route) and decodes its input.
   * Throws AwsError: `InvalidAction`/`UnknownOperationException` for an unknown operation,
   * `MalformedInput`/`SerializationException` for a body that cannot be read or a value of the wrong type.
   */
  parseRequest(request: HttpRequest, model: LoadedModel): ParsedRequest;
  /** Writes a successful response for the operation's output structure. */
  serializeResponse(model: LoadedModel, operation: string, output: Record<string, Value>, requestId: string): HttpResponse;
  /** Writes the protocol's error shape; `operation` is undefined when the request never resolved to one. */
  serializeError(model: LoadedModel, operation: string | undefined, error: AwsError, requestId: string): HttpResponse;
}
