/** Test support for the JSON codecs: real SDK clients wired to a fake transport that captures requests and replays our responses. */
import { Readable } from "node:stream";
import type { HttpRequest as SdkHttpRequest, HttpResponse as SdkHttpResponse } from "@smithy/types";
import type { Codec } from "../../src/protocol/codec.ts";
import type { HttpRequest, HttpResponse } from "../../src/protocol/http-types.ts";
import type { LoadedModel } from "../../src/protocol/model-registry.ts";

export interface Transport {
  /** Every request the SDK sent, as the gateway would hand it to a codec. */
  requests: HttpRequest[];
  /** The answer to the next request; by default an empty success of the operation our codec parsed. */
  respond: (request: HttpRequest) => HttpResponse;
  handler: { handle(request: SdkHttpRequest): Promise<{ response: SdkHttpResponse }>; metadata: { handlerProtocol: string } };
}

/** RFC 3986 encoding as the SDK's node handler writes query strings. */
const escape = (text: string): string =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function encodeQuery(query: SdkHttpRequest["query"]): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) parts.push(item === null || item === undefined ? escape(key) : `${escape(key)}=${escape(item)}`);
  }
  return parts.join("&");
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  // The SDK's JSON body is a Uint8Array subclass whose valueOf() decodes text: copy the bytes directly.
  if (body instanceof Uint8Array) return Buffer.from(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  throw new Error(`unexpected body type ${typeof body}`);
}

export async function toStratusRequest(request: SdkHttpRequest): Promise<HttpRequest> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return { method: request.method, path: request.path, rawQuery: encodeQuery(request.query), headers, body: await bodyBytes(request.body) };
}

/** Without a codec the caller sets `respond` itself. */
export function createTransport(codec?: Codec, model?: LoadedModel): Transport {
  const transport: Transport = {
    requests: [],
    respond: (request) => {
      if (!codec || !model) return { status: 200, headers: {}, body: "" };
      return codec.serializeResponse(model, codec.parseRequest(request, model).operation, {}, "req-1");
    },
    handler: {
      metadata: { handlerProtocol: "http/1.1" },
      async handle(sdkRequest: SdkHttpRequest) {
        const request = await toStratusRequest(sdkRequest);
        transport.requests.push(request);
        const answer = transport.respond(request);
        // Node's HTTP client hands the SDK lower-cased header names.
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(answer.headers)) headers[name.toLowerCase()] = value;
        const body = typeof answer.body === "string" ? Buffer.from(answer.body, "utf8") : answer.body;
        return { response: { statusCode: answer.status, reason: undefined, headers, body: Readable.from([body]) } };
      },
    },
  };
  return transport;
}

/** Client options that send every request through the transport (no network, no retries). */
export function clientConfig(transport: Transport) {
  return {
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
    maxAttempts: 1,
    requestHandler: transport.handler,
  };
}

export function lastRequest(transport: Transport): HttpRequest {
  const request = transport.requests.at(-1);
  if (!request) throw new Error("the SDK sent no request");
  return request;
}

/** Answers the next request with a fixed output or error for whatever operation it is. */
export function answerWith(transport: Transport, codec: Codec, model: LoadedModel, output: Record<string, unknown>): void {
  transport.respond = (request) => codec.serializeResponse(model, codec.parseRequest(request, model).operation, output, "req-1");
}

export function withoutMetadata(output: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...output };
  delete copy.$metadata;
  return copy;
}

/** Runs a command expecting it to fail and returns the SDK's exception. */
export async function sdkError(run: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Error) return error as Error & Record<string, unknown>;
    throw error;
  }
  throw new Error("the SDK call succeeded but an error was expected");
}
