/** Test support: runs real AWS SDK clients against a codec in-process, capturing requests and replaying responses. */
import { Readable } from "node:stream";
import type { HttpRequest as SdkHttpRequest, HttpResponse as SdkHttpResponse } from "@smithy/types";
import type { HttpRequest, HttpResponse } from "../../src/protocol/http-types.ts";

export interface Capture {
  requests: HttpRequest[];
  /** The next answer the fake transport gives (defaults to an empty 200). */
  respond: (request: HttpRequest) => HttpResponse;
  handler: { handle(request: SdkHttpRequest): Promise<{ response: SdkHttpResponse }>; metadata: { handlerProtocol: string } };
}

/** Client options that route every request through the capture (no network, no retries). */
export function clientConfig(capture: Capture) {
  return {
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
    maxAttempts: 1,
    requestHandler: capture.handler,
  };
}

function encodeQuery(query: SdkHttpRequest["query"]): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      parts.push(item === null || item === undefined ? encodeURIComponent(key) : `${encodeURIComponent(key)}=${encodeURIComponent(item)}`);
    }
  }
  return parts.join("&");
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  throw new Error(`unexpected body type ${typeof body}`);
}

/** Converts what the SDK would put on the wire into the gateway's HttpRequest. */
export async function toStratusRequest(request: SdkHttpRequest): Promise<HttpRequest> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return {
    method: request.method,
    path: request.path,
    rawQuery: encodeQuery(request.query),
    headers,
    body: await bodyBytes(request.body),
  };
}

export function createCapture(): Capture {
  const capture: Capture = {
    requests: [],
    respond: () => ({ status: 200, headers: {}, body: "" }),
    handler: {
      metadata: { handlerProtocol: "http/1.1" },
      async handle(sdkRequest: SdkHttpRequest) {
        const request = await toStratusRequest(sdkRequest);
        capture.requests.push(request);
        const answer = capture.respond(request);
        const body = typeof answer.body === "string" ? Buffer.from(answer.body, "utf8") : answer.body;
        const response: SdkHttpResponse = {
          statusCode: answer.status,
          reason: undefined,
          headers: { ...answer.headers, "x-amzn-requestid": "test-request-id" },
          body: Readable.from([body]),
        };
        return { response };
      },
    },
  };
  return capture;
}

/** The last captured request (fails loudly when the SDK sent nothing). */
export function lastRequest(capture: Capture): HttpRequest {
  const request = capture.requests.at(-1);
  if (request === undefined) throw new Error("the SDK sent no request");
  return request;
}

/** Drops the SDK's `$metadata` so outputs can be compared with what the codec serialized. */
export function withoutMetadata(output: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...output };
  delete copy.$metadata;
  return copy;
}
