/** What containers see at 169.254.170.2: task metadata v4, task-role credentials, and everything else proxied to Stratus. */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One container's view, registered under a random token that only its environment carries. */
export interface MetadataEntry {
  container(): unknown;
  task(): unknown;
  containerStats(): Promise<unknown>;
  taskStats(): Promise<unknown>;
  /** ECS's credential JSON, or undefined when the task has no role. */
  credentials(): unknown;
}

export interface MetadataServer {
  /** The address containers use, e.g. http://169.254.170.2:4566 */
  readonly url: string;
  register(token: string, entry: MetadataEntry): void;
  unregister(token: string): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** Forwards a request unchanged (the Host header too: SigV4 signed it) to Stratus's own endpoint. */
function forward(req: IncomingMessage, res: ServerResponse, endpoint: string): void {
  const target = new URL(endpoint);
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      const headers = { ...answer.headers };
      // Hop-by-hop headers describe Stratus's connection to this proxy, not the container's.
      for (const name of ["connection", "keep-alive", "transfer-encoding"]) delete headers[name];
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) send(res, 502, { message: `Stratus is not reachable: ${error.message}` });
    else res.destroy();
  });
  req.pipe(upstream);
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Listens on `host`, on Stratus's own port when free (as the brief's URLs read), else on any free port. */
export async function startMetadataServer(host: string, endpoint: () => string): Promise<MetadataServer> {
  const entries = new Map<string, MetadataEntry>();
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const v4 = /^\/v4\/([^/]+)(\/task)?(\/stats)?\/?$/.exec(path);
    const v4Entry = v4 ? entries.get(v4[1] ?? "") : undefined;
    if (v4 && v4Entry && req.method === "GET") {
      if (v4[2] && v4[3]) return void v4Entry.taskStats().then((body) => send(res, 200, body), () => send(res, 500, {}));
      if (v4[2]) return send(res, 200, v4Entry.task());
      if (v4[3]) return void v4Entry.containerStats().then((body) => send(res, 200, body), () => send(res, 500, {}));
      return send(res, 200, v4Entry.container());
    }
    const credentials = /^\/v2\/credentials\/([^/]+)\/?$/.exec(path);
    const credentialEntry = credentials ? entries.get(credentials[1] ?? "") : undefined;
    if (credentials && credentialEntry && req.method === "GET") {
      const body = credentialEntry.credentials();
      // What the ECS agent answers for a task without a role.
      if (body === undefined) return send(res, 400, { code: "NoCredentialsFound", message: "CredentialsV2Request: no task role for this task" });
      return send(res, 200, body);
    }
    forward(req, res, endpoint());
  });
  let port: number;
  const preferred = Number(new URL(endpoint()).port) || 0;
  try {
    port = await listen(server, host, preferred);
  } catch (error) {
    if (preferred === 0 || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    port = await listen(server, host, 0);
  }
  server.unref();
  return {
    url: `http://${host}:${port}`,
    register: (token, entry) => entries.set(token, entry),
    unregister: (token) => entries.delete(token),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
