/** Lambda's routes under /_stratus/lambda/: code downloads (GetFunction's Code.Location), function URLs, forcing cold starts. */
import type { HttpRequest, HttpResponse } from "../../protocol/http-types.ts";
import type { StateStore } from "../../state/state-store.ts";
import { resetEnvironments } from "./invoke.ts";
import { serveFunctionUrl } from "./urls.ts";

const json = (status: number, value: unknown): HttpResponse => ({ status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) });

export async function lambdaAdminRoute(request: HttpRequest, state: StateStore, endpoint: string): Promise<HttpResponse | undefined> {
  if (request.path.startsWith("/_stratus/lambda/url/")) return serveFunctionUrl(request, state, endpoint);
  const path = request.path.replace(/\/+$/, "");
  const code = /^\/_stratus\/lambda\/code\/([0-9a-f]{64})$/.exec(path);
  if (code?.[1] && (request.method === "GET" || request.method === "HEAD")) {
    const bytes = state.blobs.get(code[1]);
    if (!bytes) return json(404, { __type: "NotFound", message: "No such code" });
    return { status: 200, headers: { "content-type": "application/zip", "content-disposition": `attachment; filename="${code[1]}.zip"` }, body: bytes };
  }
  if (request.method === "POST" && path === "/_stratus/lambda/reset-environments") {
    return json(200, { stopped: resetEnvironments() });
  }
  return undefined;
}
