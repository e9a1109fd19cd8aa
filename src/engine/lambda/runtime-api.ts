/**
 * The Lambda Runtime API (2018-06-01) for one execution environment, on its own ephemeral 127.0.0.1 port: the API's
 * paths carry no environment id, so the port is what tells environments apart.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { http } from "../../shared/builtins.ts";

/** What the environment does with the runtime's calls. */
export interface RuntimeApiHandler {
  /** GET …/invocation/next: answer (possibly much later) with the next event. */
  next(res: ServerResponse): void;
  response(requestId: string, body: Buffer, tooLarge: boolean): boolean;
  error(requestId: string, body: Buffer, errorType: string | undefined): boolean;
  initError(body: Buffer, errorType: string | undefined): void;
}

/** Lambda's response limit for synchronous invocations. */
export const RESPONSE_LIMIT = 6 * 1024 * 1024;
const PREFIX = "/2018-06-01/runtime/";

function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolveBody({ body: Buffer.concat(chunks), tooLarge }));
    req.on("error", reject);
  });
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

async function route(handler: RuntimeApiHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? "").split("?")[0] ?? "";
  if (!path.startsWith(PREFIX)) return reply(res, 404, { errorType: "InvalidRequest", errorMessage: `Unknown path ${path}` });
  const rest = path.slice(PREFIX.length);
  if (req.method === "GET" && rest === "invocation/next") return handler.next(res);
  if (req.method !== "POST") return reply(res, 405, { errorType: "InvalidRequest", errorMessage: "Method not allowed" });
  const { body, tooLarge } = await readBody(req, RESPONSE_LIMIT);
  const errorType = req.headers["lambda-runtime-function-error-type"];
  const type = typeof errorType === "string" ? errorType : undefined;
  if (rest === "init/error") {
    handler.initError(body, type);
    return reply(res, 202, { status: "OK" });
  }
  const match = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
  if (!match?.[1]) return reply(res, 404, { errorType: "InvalidRequest", errorMessage: `Unknown path ${path}` });
  const id = decodeURIComponent(match[1]);
  const accepted = match[2] === "response" ? handler.response(id, body, tooLarge) : handler.error(id, body, type);
  if (!accepted) return reply(res, 400, { errorType: "InvalidRequestID", errorMessage: "Invalid request ID" });
  if (tooLarge && match[2] === "response") return reply(res, 413, { errorType: "RequestEntityTooLarge", errorMessage: `Exceeded maximum allowed payload size (${RESPONSE_LIMIT} bytes).` });
  // The acknowledgement waits a turn of the event loop: the invocation's answer reaches its caller first, and the
  // runtime's next poll no longer competes with it for the CPU.
  setImmediate(() => reply(res, 202, { status: "OK" }));
}

/**
 * Listens on 127.0.0.1 (or `host`: the containers' gateway for image functions), ephemeral port; resolves with the
 * server and its host:port for AWS_LAMBDA_RUNTIME_API.
 */
export function serveRuntimeApi(handler: RuntimeApiHandler, host = "127.0.0.1"): Promise<{ server: Server; address: string }> {
  const server = http.createServer((req, res) => {
    route(handler, req, res).catch(() => res.destroy());
  });
  // /next is a long poll that may wait for minutes between invocations.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  return new Promise((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolveListen({ server, address: `${host}:${port}` });
    });
  });
}
