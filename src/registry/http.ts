/** The OCI distribution API (Docker Registry HTTP API v2) on the Stratus port, backed by ECR's state. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../gateway/app.ts";

export async function handleRegistryRequest(_app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  res.writeHead(404, { "content-type": "application/json", "docker-distribution-api-version": "registry/2.0" });
  res.end(JSON.stringify({ errors: [{ code: "UNSUPPORTED", message: "the registry is not available yet", detail: null }] }));
}
