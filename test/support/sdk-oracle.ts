/** Drives a real AWS SDK client in process: captures the HTTP request it sends and feeds it a canned response. */
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { HttpResponse as SdkHttpResponse, buildQueryString } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "../../src/protocol/http-types.ts";

interface SdkClient {
  send(command: object): Promise<unknown>;
  destroy(): void;
}
type ClientClass = new (config: Record<string, unknown>) => SdkClient;
type CommandClass = new (input: Record<string, unknown>) => object;

/** The part of a Smithy HttpRequest the handler reads. */
export interface SdkRequest {
  method: string;
  path: string;
  hostname?: string;
  port?: number;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface Exchange {
  /** The request the SDK sent, converted to Stratus's HttpRequest; undefined when it threw before sending. */
  request?: HttpRequest;
  /** Host the SDK addressed (a host prefix shows here). */
  host?: string;
  /** The SDK's parsed output without `$metadata`. */
  output?: Record<string, unknown>;
  /** What `send` threw. */
  error?: unknown;
  /** `$metadata.requestId` of the result or of the error the SDK threw. */
  requestId?: string;
}

const noop = (): void => {};
const isFunction = <T>(value: unknown): value is T => typeof value === "function";
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** What the SDK's Node handler would make of the response: lower-cased header names, the body as a stream. */
export function sdkResponse(response: HttpResponse): SdkHttpResponse {
  const body = typeof response.body === "string" ? Buffer.from(response.body, "utf8") : response.body;
  return new SdkHttpResponse({ statusCode: response.status, headers: lowerCaseHeaders(response.headers), body: Readable.from([body]) });
}

function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  return out;
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Readable || (isRecord(body) && Symbol.asyncIterator in body)) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks);
  }
  throw new Error(`unsupported request body ${Object.prototype.toString.call(body)}`);
}

/** The output with each streaming payload (the SDK's stream with `transformToByteArray`) read into bytes. */
async function withStreamsRead(output: Record<string, unknown>): Promise<Record<string, unknown>> {
  for (const [member, value] of Object.entries(output)) {
    if (isRecord(value) && typeof value.transformToByteArray === "function") {
      const bytes: unknown = await value.transformToByteArray();
      output[member] = bytes;
    }
  }
  return output;
}

/** Converts what the SDK handed its HTTP handler into the request the gateway gives a codec. */
export async function toStratusRequest(request: SdkRequest): Promise<HttpRequest> {
  const headers = lowerCaseHeaders(request.headers);
  let body = await bodyBytes(request.body);
  if ((headers["content-encoding"] ?? "").includes("gzip")) body = gunzipSync(body);
  return { method: request.method, path: request.path, rawQuery: buildQueryString(request.query ?? {}), headers, body };
}

/** One SDK client of a service package, reused for every call. */
export class SdkOracle {
  readonly packageName: string;
  private readonly module: Record<string, unknown>;
  private readonly client: SdkClient;
  private response: HttpResponse = { status: 200, headers: {}, body: "" };
  private captured: SdkRequest | undefined;

  private constructor(packageName: string, module: Record<string, unknown>, config: Record<string, unknown>) {
    this.packageName = packageName;
    this.module = module;
    const clientName = Object.keys(module).find((name) => /^[A-Z]\w*Client$/.test(name) && isFunction(module[name]));
    const Client = clientName === undefined ? undefined : module[clientName];
    if (clientName === undefined || !isFunction<ClientClass>(Client)) throw new Error(`${packageName} exports no client class`);
    this.client = new Client({
      region: "us-east-1",
      endpoint: "http://127.0.0.1:1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
      maxAttempts: 1,
      // Quiet: the S3 client warns about every PutObject without a body of known length.
      logger: { trace: noop, debug: noop, info: noop, warn: noop, error: noop },
      requestHandler: {
        handle: async (request: SdkRequest) => {
          this.captured = request;
          return { response: sdkResponse(this.response) };
        },
      },
      ...config,
    });
  }

  static async load(packageName: string, config: Record<string, unknown> = {}): Promise<SdkOracle> {
    const module: unknown = await import(packageName);
    if (!isRecord(module)) throw new Error(`cannot load ${packageName}`);
    return new SdkOracle(packageName, module, config);
  }

  hasCommand(operation: string): boolean {
    return isFunction(this.module[`${operation}Command`]);
  }

  /** Sends `operation` with `input`, answering with `response`; never throws. */
  async call(operation: string, input: Record<string, unknown>, response: HttpResponse): Promise<Exchange> {
    const Command = this.module[`${operation}Command`];
    if (!isFunction<CommandClass>(Command)) return { error: new Error(`${this.packageName} has no ${operation}Command`) };
    this.response = response;
    this.captured = undefined;
    const exchange: Exchange = {};
    try {
      const result = await this.client.send(new Command(input));
      if (isRecord(result)) {
        const { $metadata: metadata, ...output } = result;
        exchange.output = await withStreamsRead(output);
        if (isRecord(metadata) && typeof metadata.requestId === "string") exchange.requestId = metadata.requestId;
      } else {
        exchange.output = {};
      }
    } catch (error) {
      exchange.error = error;
      const metadata = isRecord(error) ? error.$metadata : undefined;
      if (isRecord(metadata) && typeof metadata.requestId === "string") exchange.requestId = metadata.requestId;
    }
    const captured = this.captured as SdkRequest | undefined;
    if (captured) {
      exchange.host = captured.hostname;
      try {
        exchange.request = await toStratusRequest(captured);
      } catch (error) {
        exchange.error ??= error;
      }
    }
    return exchange;
  }

  destroy(): void {
    this.client.destroy();
  }
}

/** Name, message and HTTP status of what the SDK threw. */
export function describeSdkError(error: unknown): { name: string; message: string; status: number | undefined } {
  if (!isRecord(error)) return { name: typeof error, message: String(error), status: undefined };
  const metadata = error.$metadata;
  const status = isRecord(metadata) && typeof metadata.httpStatusCode === "number" ? metadata.httpStatusCode : undefined;
  return { name: String(error.name), message: String(error.message), status };
}
