/** Test support for the codec tests: real SDK clients wired to a fake transport that captures requests and replays our responses. */
import type { HttpResponse as SdkHttpResponse } from "@smithy/types";
import type { Codec } from "../../src/protocol/codec.ts";
import type { HttpRequest, HttpResponse } from "../../src/protocol/http-types.ts";
import type { LoadedModel } from "../../src/protocol/model-registry.ts";
import { sdkResponse, toStratusRequest, type SdkRequest } from "../support/sdk-oracle.ts";

export interface Transport {
  /** Every request the SDK sent, as the gateway would hand it to a codec. */
  requests: HttpRequest[];
  /** The answer to the next request; by default an empty success of the operation our codec parsed. */
  respond: (request: HttpRequest) => HttpResponse;
  handler: { handle(request: SdkRequest): Promise<{ response: SdkHttpResponse }>; metadata: { handlerProtocol: string } };
}

/** Without a codec the caller sets `respond` itself (the default is an empty 200). */
export function createTransport(codec?: Codec, model?: LoadedModel): Transport {
  const transport: Transport = {
    requests: [],
    respond: (request) => {
      if (!codec || !model) return { status: 200, headers: {}, body: "" };
      return codec.serializeResponse(model, codec.parseRequest(request, model).operation, {}, "req-1");
    },
    handler: {
      metadata: { handlerProtocol: "http/1.1" },
      async handle(sdkRequest: SdkRequest) {
        const request = await toStratusRequest(sdkRequest);
        transport.requests.push(request);
        // Lower-cased header names, as Node's HTTP client hands them to the SDK.
        return { response: sdkResponse(transport.respond(request)) };
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

/** The last captured request (fails loudly when the SDK sent nothing). */
export function lastRequest(transport: Transport): HttpRequest {
  const request = transport.requests.at(-1);
  if (!request) throw new Error("the SDK sent no request");
  return request;
}

/** Answers the next request with a fixed output or error for whatever operation it is. */
export function answerWith(transport: Transport, codec: Codec, model: LoadedModel, output: Record<string, unknown>): void {
  transport.respond = (request) => codec.serializeResponse(model, codec.parseRequest(request, model).operation, output, "req-1");
}

/** Drops the SDK's `$metadata` so outputs can be compared with what the codec serialized. */
export function withoutMetadata(output: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...output };
  delete copy.$metadata;
  return copy;
}
