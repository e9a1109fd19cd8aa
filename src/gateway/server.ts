/** The HTTP server on one port: reads bodies, adds request ids and CORS, routes admin vs AWS requests. */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import { AwsError, internalFailure } from "../shared/aws-error.ts";
import { crypto, http } from "../shared/builtins.ts";
import { log } from "../shared/log.ts";
import type { HttpRequest, HttpResponse } from "../protocol/http-types.ts";
import { handleAdminRequest } from "./admin.ts";
import { errorLikeRequest } from "./fallback-errors.ts";
import { handleAwsRequest } from "./pipeline.ts";
import type { App } from "./app.ts";


/** Browser SDKs need these to read AWS's response headers. */
const EXPOSED_HEADERS = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-query-error, x-amz-request-id, x-amz-id-2, ETag, x-amz-version-id, x-amz-function-error, x-amz-log-result, x-amz-executed-version, Date";

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolveBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function toHttpRequest(req: IncomingMessage, body: Buffer): HttpRequest {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return { method: req.method ?? "GET", path: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? "" : url.slice(q + 1), headers, body };
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const requested = req.headers["access-control-request-headers"];
  return {
    "access-control-allow-origin": req.headers.origin ?? "*",
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
    "access-control-allow-headers": typeof requested === "string" ? requested : "*",
    "access-control-expose-headers": EXPOSED_HEADERS,
    "access-control-max-age": "86400",
  };
}

function send(req: IncomingMessage, res: ServerResponse, response: HttpResponse, requestId: string): void {
  const headers: Record<string, string> = corsHeaders(req);
  // Codecs may write mixed-case names; one lower-case spelling avoids sending a header twice.
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
  const id = headers["x-amzn-requestid"] ?? requestId;
  headers["x-amzn-requestid"] = id;
  headers["x-amz-request-id"] ??= id;
  const body = typeof response.body === "string" ? Buffer.from(response.body, "utf8") : response.body;
  headers["content-length"] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}

/** The request id a codec put in its body, so header and body agree. */
const requestIdOf = (response: HttpResponse): string | undefined =>
  response.headers["x-amzn-requestid"] ?? response.headers["x-amzn-RequestId"];

async function route(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let request: HttpRequest | undefined;
  const fallbackId = crypto.randomUUID();
  try {
    if (req.method === "OPTIONS") {
      send(req, res, { status: 200, headers: {}, body: "" }, fallbackId);
      return;
    }
    let body = await readBody(req, app.config.maxBodyBytes);
    if ((req.headers["content-encoding"] ?? "").includes("gzip") && body.length > 0) {
      try {
        body = gunzipSync(body, { maxOutputLength: app.config.maxBodyBytes });
      } catch {
        request = toHttpRequest(req, Buffer.alloc(0));
        throw new AwsError("MalformedInput", "The request body is not valid gzip.");
      }
    }
    request = toHttpRequest(req, body);
    const response = request.path.startsWith("/_stratus/")
      ? await handleAdminRequest(app, request)
      : await handleAwsRequest(app, request);
    send(req, res, response, requestIdOf(response) ?? fallbackId);
  } catch (error) {
    let awsError: AwsError;
    if (error instanceof BodyTooLarge) {
      awsError = new AwsError("RequestEntityTooLarge", `The request body exceeds the ${app.config.maxBodyBytes} byte limit.`, { status: 413 });
    } else if (error instanceof AwsError) {
      awsError = error;
    } else {
      log.error("unexpected gateway failure", error);
      awsError = internalFailure();
    }
    if (!res.headersSent) send(req, res, errorLikeRequest(request ?? toHttpRequest(req, Buffer.alloc(0)), fallbackId, awsError), fallbackId);
    else res.destroy();
  }
}

/** The OCI distribution API (ECR's registry): streamed bodies (image layers), so it bypasses the body reader. */
const isRegistryPath = (url: string | undefined): boolean => url !== undefined && (url === "/v2" || url.startsWith("/v2/") || url.startsWith("/v2?"));

async function routeRegistry(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const { handleRegistryRequest } = await import("../registry/http.ts");
    await handleRegistryRequest(app, req, res);
  } catch (error) {
    log.error("registry request failed", error);
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNKNOWN", message: "internal error", detail: null }] }));
    } else res.destroy();
  }
}

/** Handles every request of one listener; also used by listeners other than the main port (the containers' side). */
export function requestListener(app: App): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (isRegistryPath(req.url)) void routeRegistry(app, req, res);
    else void route(app, req, res);
  };
}

export function createStratusServer(app: App): Server {
  const server = http.createServer({ keepAlive: true, keepAliveTimeout: 65_000 }, requestListener(app));
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  return server;
}
