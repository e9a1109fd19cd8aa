/** The awsJson1.0 and awsJson1.1 codecs: operation from X-Amz-Target, input and output as JSON of the shape. */
import { AwsError } from "../shared/aws-error.ts";
import type { Codec, ParsedRequest, Value } from "./codec.ts";
import type { HttpRequest, HttpResponse } from "./http-types.ts";
import type { LoadedModel } from "./model-registry.ts";
import type { StructureShape } from "./model-types.ts";
import { parseJsonBody, readJsonStructure, writeJsonStructure, type JsonOptions } from "./json-values.ts";

// The awsJson protocols ignore jsonName and every HTTP binding trait, even where a model carries them (Lightsail).
const OPTIONS: JsonOptions = { jsonName: false, skipBound: false };

export interface ErrorBody {
  name: string;
  status: number;
  fault: "Sender" | "Receiver";
  /** The awsQuery code (for query-compatible services' `x-amzn-query-error`). */
  queryCode: string;
  shape: StructureShape | undefined;
}

/**
 * What an AwsError looks like on the wire: the modelled shape it names (by shape name, `<code>Exception` or
 * awsQuery code), the status from the model, else the error's own, else 400 (500 for server faults).
 */
export function describeError(model: LoadedModel, error: AwsError): ErrorBody {
  const modelled = model.errorShape(error.code);
  const traits = modelled?.shape.error;
  const status = traits?.status ?? error.status ?? (error.server ? 500 : 400);
  const server = traits ? traits.fault === "server" : error.server || status >= 500;
  return {
    name: modelled?.name ?? error.code,
    status,
    fault: server ? "Receiver" : "Sender",
    queryCode: traits?.queryCode ?? modelled?.name ?? error.code,
    shape: modelled?.shape,
  };
}

/** The headers of every JSON error response: content type, request id and the error's name. */
export const errorHeaders = (info: ErrorBody, contentType: string, requestId: string): Record<string, string> => ({
  "Content-Type": contentType,
  "x-amzn-RequestId": requestId,
  "x-amzn-ErrorType": info.name,
});

/**
 * The members of an error body: the message under the shape's own message member (`message` or `Message`;
 * both SDKs read either), plus `error.fields` — modelled ones typed by the shape, others as given.
 */
export function errorMembers(
  model: LoadedModel,
  shape: StructureShape | undefined,
  error: AwsError,
  options: JsonOptions,
): Record<string, unknown> {
  const members = shape?.members ?? {};
  // Every modelled error names it `message` or `Message`; the SDKs read either. Unmodelled: `message`.
  const messageKey = !Object.hasOwn(members, "message") && Object.hasOwn(members, "Message") ? "Message" : "message";
  const typed: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error.fields)) {
    if (value === undefined || value === null) continue;
    if (Object.hasOwn(members, key)) typed[key] = value;
    else extra[key] = value;
  }
  if (typed[messageKey] === undefined && extra[messageKey] === undefined) {
    if (Object.hasOwn(members, messageKey)) typed[messageKey] = error.message;
    else extra[messageKey] = error.message;
  }
  if (!shape) return { ...extra, ...typed };
  try {
    return { ...extra, ...writeJsonStructure(model, shape, typed, options) };
  } catch {
    // A field of the wrong type must not turn the error itself into a failure.
    return { ...extra, [messageKey]: error.message };
  }
}

function createJsonCodec(protocol: "awsJson1_0" | "awsJson1_1", version: "1.0" | "1.1"): Codec {
  const contentType = `application/x-amz-json-${version}`;

  function operationOf(request: HttpRequest, model: LoadedModel): string {
    const target = request.headers["x-amz-target"] ?? "";
    const dot = target.lastIndexOf(".");
    const prefix = dot < 0 ? "" : target.slice(0, dot);
    const operation = dot < 0 ? target : target.slice(dot + 1);
    if (target === "" || prefix !== model.model.targetPrefix || !model.operation(operation)) {
      throw new AwsError(
        "UnknownOperationException",
        target === "" ? "Missing X-Amz-Target header" : `Operation ${target} is not supported by ${model.model.sdkServiceId}`,
        { status: 400 },
      );
    }
    return operation;
  }

  return {
    protocol,

    parseRequest(request: HttpRequest, model: LoadedModel): ParsedRequest {
      const operation = operationOf(request, model);
      const json = parseJsonBody(request.body);
      const input = readJsonStructure(model, model.inputShape(operation), json, OPTIONS);
      return { operation, input };
    },

    serializeResponse(model: LoadedModel, operation: string, output: Record<string, Value>, requestId: string): HttpResponse {
      const body = writeJsonStructure(model, model.outputShape(operation), output, OPTIONS);
      return {
        status: 200,
        headers: { "Content-Type": contentType, "x-amzn-RequestId": requestId },
        body: JSON.stringify(body),
      };
    },

    serializeError(model: LoadedModel, _operation: string | undefined, error: AwsError, requestId: string): HttpResponse {
      const info = describeError(model, error);
      const headers = errorHeaders(info, contentType, requestId);
      // Query-compatible services (CloudWatch): the SDKs take the error code from this header.
      if (model.model.awsQueryCompatible) headers["x-amzn-query-error"] = `${info.queryCode};${info.fault}`;
      const body = { __type: info.name, ...errorMembers(model, info.shape, error, OPTIONS) };
      return { status: info.status, headers, body: JSON.stringify(body) };
    },
  };
}

export const awsJson1_0Codec: Codec = createJsonCodec("awsJson1_0", "1.0");
export const awsJson1_1Codec: Codec = createJsonCodec("awsJson1_1", "1.1");
