/** The restJson1 codec (Lambda, EKS): REST routing and HTTP bindings, remaining members as a JSON body. */
import type { AwsError } from "../shared/aws-error.ts";
import type { Codec, ParsedRequest, Value } from "./codec.ts";
import type { HttpRequest, HttpResponse } from "./http-types.ts";
import { describeError, errorHeaders, errorMembers } from "./json-codec.ts";
import { parseJsonBody, readJsonStructure, readJsonValue, writeJsonStructure, writeJsonValue, type JsonOptions } from "./json-values.ts";
import type { LoadedModel } from "./model-registry.ts";
import { httpBindings, matchRoute, parseQuery, rawPayload, readHttpBindings, writeHttpBindings, type Binding } from "./rest-binding.ts";
import { blobBytes } from "./values.ts";

const OPTIONS: JsonOptions = { jsonName: true, skipBound: true };
const JSON_TYPE = "application/json";

/** An `httpPayload` member: a blob is the raw body (Lambda Invoke), a string its text, a structure its JSON. */
function readPayload(model: LoadedModel, b: Binding, body: Buffer): unknown {
  if (body.length === 0) return undefined;
  const raw = rawPayload(b, body);
  if (raw !== undefined) return raw;
  const value = readJsonValue(model, b.ref, parseJsonBody(body), OPTIONS, b.name);
  // The SDKs send "{}" when the payload structure is absent, so an empty one reads as absent.
  if (b.kind === "structure" && value !== null && typeof value === "object" && Object.keys(value).length === 0) return undefined;
  return value;
}

function writePayload(model: LoadedModel, b: Binding, value: unknown): { body: string | Buffer; contentType: string } {
  if (value === undefined || value === null) return { body: "", contentType: b.ref.mediaType ?? JSON_TYPE };
  switch (b.kind) {
    case "blob":
    case "streamingBlob":
      return { body: blobBytes(value), contentType: b.ref.mediaType ?? "application/octet-stream" };
    case "string":
      return { body: String(value), contentType: b.ref.mediaType ?? "text/plain" };
    default:
      return { body: JSON.stringify(writeJsonValue(model, b.ref, value, OPTIONS, b.name)), contentType: JSON_TYPE };
  }
}

export const restJson1Codec: Codec = {
  protocol: "restJson1",

  parseRequest(request: HttpRequest, model: LoadedModel): ParsedRequest {
    const query = parseQuery(request.rawQuery);
    const match = matchRoute(model, request.method, request.path, query, request.headers);
    const shape = model.inputShape(match.operation);
    const bindings = httpBindings(model, shape);
    let input: Record<string, unknown> = {};
    if (bindings.payload) {
      const payload = readPayload(model, bindings.payload, request.body);
      if (payload !== undefined) input[bindings.payload.name] = payload;
    } else if (bindings.body.length > 0) {
      // GET and DELETE carry no body: an empty one reads as {}.
      input = readJsonStructure(model, shape, parseJsonBody(request.body), OPTIONS);
    }
    readHttpBindings(bindings, { labels: match.labels, query, headers: request.headers, route: match.route }, "SerializationException", input);
    return { operation: match.operation, input };
  },

  serializeResponse(model: LoadedModel, operation: string, output: Record<string, Value>, requestId: string): HttpResponse {
    const shape = model.outputShape(operation);
    const bindings = httpBindings(model, shape);
    const headers: Record<string, string> = { "x-amzn-RequestId": requestId };
    const status = writeHttpBindings(bindings, output, headers) ?? model.operation(operation)?.http?.[2] ?? 200;
    let body: string | Buffer = "";
    let contentType = JSON_TYPE;
    if (bindings.payload) {
      ({ body, contentType } = writePayload(model, bindings.payload, output[bindings.payload.name]));
    } else if (bindings.body.length > 0) {
      body = JSON.stringify(writeJsonStructure(model, shape, output, OPTIONS));
    }
    // 204 and 304 carry no body by HTTP's rules.
    if (status === 204 || status === 304) body = "";
    // An output member may itself be bound to Content-Type (InvokeWithResponseStream's ResponseStreamContentType).
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) headers["Content-Type"] = contentType;
    return { status, headers, body };
  },

  serializeError(model: LoadedModel, _operation: string | undefined, error: AwsError, requestId: string): HttpResponse {
    const info = describeError(model, error);
    const headers = errorHeaders(info, JSON_TYPE, requestId);
    if (info.shape) {
      // Some error members travel as headers (Lambda TooManyRequestsException: Retry-After).
      try {
        writeHttpBindings(httpBindings(model, info.shape), error.fields, headers);
      } catch {
        // A header field of the wrong type is dropped rather than failing the error response.
      }
    }
    return { status: info.status, headers, body: JSON.stringify(errorMembers(model, info.shape, error, OPTIONS)) };
  },
};
