/** The OCI distribution API (Docker Registry HTTP API v2) on the Stratus port, backed by ECR's state. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../gateway/app.ts";
import type { Scope } from "../state/state-store.ts";
import { imagesOf, repositoryTable } from "../services/ecr/state.ts";
import { verifyPassword } from "../services/ecr/token.ts";
import { handleBlob, handleManifest, handleReferrers, repositoryOf } from "./manifests.ts";
import { page, RegistryError, sendError, sendJson, type RegistryCall } from "./respond.ts";
import { continueUpload, startUpload } from "./uploads.ts";

/** ECR's repository name grammar (lower case components separated by / . _ -). */
const NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** The account and region of the ECR token in Basic (`AWS:<password>`) or Bearer credentials. */
function authenticate(app: App, header: string | undefined): Scope | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    return verifyPassword(app.state, decoded.slice(colon + 1));
  }
  if (scheme.toLowerCase() === "bearer") {
    // Either the password itself or the base64 "AWS:<password>" authorization token GetAuthorizationToken returns.
    const direct = verifyPassword(app.state, value);
    if (direct) return direct;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.startsWith("AWS:") ? verifyPassword(app.state, decoded.slice(4)) : undefined;
  }
  return undefined;
}

function challenge(app: App, req: IncomingMessage): Record<string, string> {
  const host = req.headers.host ?? new URL(app.endpoint).host;
  return { "www-authenticate": `Basic realm="http://${host}/",service="ecr.amazonaws.com"` };
}

const sortedTags = (call: RegistryCall, name: string): string[] =>
  imagesOf(call.app.state, call.scope, name)
    .flatMap((image) => image.tags)
    .sort();

async function dispatch(call: RegistryCall, path: string): Promise<void> {
  const method = call.req.method ?? "GET";
  if (path === "" || path === "/") {
    call.req.resume();
    sendJson(call.res, 200, {});
    return;
  }
  if (path === "_catalog") {
    call.req.resume();
    const names = repositoryTable(call.app.state).list(call.scope).map((repository) => repository.name).sort();
    const { items, headers } = page(names, call.url, "/v2/_catalog");
    sendJson(call.res, 200, { repositories: items }, headers);
    return;
  }
  let match: RegExpExecArray | null;
  if ((match = /^(.+)\/blobs\/uploads\/?([^/]*)$/.exec(path))) {
    const name = checkName(match[1] ?? "");
    repositoryOf(call, name);
    if (match[2]) return continueUpload(call, name, match[2]);
    if (method !== "POST") throw new RegistryError("UNSUPPORTED", `${method} is not supported here`);
    return startUpload(call, name);
  }
  if ((match = /^(.+)\/blobs\/([^/]+)$/.exec(path))) return handleBlob(call, checkName(match[1] ?? ""), match[2] ?? "");
  if ((match = /^(.+)\/manifests\/([^/]+)$/.exec(path))) return handleManifest(call, checkName(match[1] ?? ""), match[2] ?? "");
  if ((match = /^(.+)\/referrers\/([^/]+)$/.exec(path))) return handleReferrers(call, checkName(match[1] ?? ""), match[2] ?? "");
  if ((match = /^(.+)\/tags\/list$/.exec(path))) {
    const name = checkName(match[1] ?? "");
    repositoryOf(call, name);
    call.req.resume();
    const { items, headers } = page(sortedTags(call, name), call.url, `/v2/${name}/tags/list`);
    sendJson(call.res, 200, { name, tags: items }, headers);
    return;
  }
  call.req.resume();
  throw new RegistryError("UNSUPPORTED", "the operation is unsupported", { path });
}

function checkName(name: string): string {
  if (name.length < 2 || name.length > 256 || !NAME.test(name)) throw new RegistryError("NAME_INVALID", "invalid repository name", { name });
  return name;
}

export async function handleRegistryRequest(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/v2/", "http://registry.invalid");
  try {
    let path: string;
    try {
      path = url.pathname === "/v2" ? "" : decodeURIComponent(url.pathname.slice("/v2/".length));
    } catch {
      req.resume();
      throw new RegistryError("NAME_INVALID", "malformed path", { path: url.pathname });
    }
    // GetDownloadUrlForLayer hands out blob links that carry their credential in `token` (like a pre-signed URL).
    const linkToken = url.searchParams.get("token");
    const scope = authenticate(app, req.headers.authorization) ?? (linkToken && /\/blobs\/sha256:/.test(path) ? verifyPassword(app.state, linkToken) : undefined);
    if (!scope) {
      req.resume();
      throw new RegistryError("UNAUTHORIZED", "authentication required", null, challenge(app, req));
    }
    await dispatch({ app, req, res, scope, url }, path);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendError(res, error);
  }
}

