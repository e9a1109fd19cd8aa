/** The admin API under /_stratus/: health, reset, snapshot and restore. */
import { AwsError } from "../shared/aws-error.ts";
import type { HttpRequest, HttpResponse } from "../protocol/http-types.ts";
import { implementedServices } from "../services/registry.ts";
import type { Snapshot, StateStore } from "../state/state-store.ts";
import type { App } from "./app.ts";

type ServiceRoute = (request: HttpRequest, state: StateStore, endpoint: string) => Promise<HttpResponse | undefined>;

/** Routes a service serves under /_stratus/<service>/ (e.g. Lambda's code downloads), loaded on first use. */
const SERVICE_ROUTES: Record<string, () => Promise<ServiceRoute>> = {
  lambda: async () => (await import("../services/lambda/admin-routes.ts")).lambdaAdminRoute,
};

const json = (status: number, value: unknown): HttpResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

export function healthReport(app: App): Record<string, unknown> {
  const implemented = new Set(implementedServices());
  const services: Record<string, unknown> = {};
  for (const [id, entry] of Object.entries(app.models.index.services)) {
    services[id] = {
      status: implemented.has(id) ? "available" : "not-implemented",
      protocol: entry.protocol,
      modelLoaded: app.models.isLoaded(id),
    };
  }
  return {
    status: "running",
    version: app.version,
    uptimeSeconds: Math.round((Date.now() - app.startedAt) / 100) / 10,
    endpoint: app.endpoint,
    persistence: app.state.persistent ? { mode: "sqlite", dataDir: app.config.dataDir } : { mode: "ephemeral" },
    pid: process.pid,
    services,
  };
}

export async function handleAdminRequest(app: App, request: HttpRequest): Promise<HttpResponse> {
  const route = `${request.method} ${request.path.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /_stratus/health":
      return json(200, healthReport(app));
    case "POST /_stratus/reset": {
      const service = new URLSearchParams(request.rawQuery).get("service") ?? undefined;
      app.state.reset(service);
      return json(200, { reset: service ?? "all" });
    }
    case "GET /_stratus/snapshot":
      return json(200, app.state.snapshot());
    case "POST /_stratus/restore": {
      let snapshot: Snapshot;
      try {
        snapshot = JSON.parse(request.body.toString("utf8")) as Snapshot;
      } catch {
        throw new AwsError("SerializationException", "The snapshot is not valid JSON.");
      }
      if (snapshot?.format !== "stratus-snapshot/1" || !Array.isArray(snapshot.records)) {
        throw new AwsError("ValidationException", "Not a Stratus snapshot (format stratus-snapshot/1).");
      }
      app.state.restore(snapshot);
      return json(200, { restored: snapshot.records.length });
    }
    default: {
      const loader = SERVICE_ROUTES[/^\/_stratus\/([a-z0-9-]+)\//.exec(request.path)?.[1] ?? ""];
      const response = loader ? await (await loader())(request, app.state, app.endpoint) : undefined;
      return response ?? json(404, { __type: "NotFound", message: `No admin route ${route}` });
    }
  }
}
