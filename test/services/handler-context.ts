/** Builds the RequestContext and typed call helpers the handler tests use (no gateway, no codec). */
import { randomUUID } from "node:crypto";
import type { RequestContext, ServiceDefinition } from "../../src/services/service-types.ts";
import { StateStore } from "../../src/state/state-store.ts";

export interface ContextOptions {
  account?: string;
  accessKeyId?: string;
  state?: StateStore;
  service: string;
}

export function makeContext(options: ContextOptions): RequestContext {
  return {
    requestId: randomUUID(),
    account: options.account ?? "000000000000",
    region: "us-east-1",
    accessKeyId: options.accessKeyId ?? "test",
    service: options.service,
    operation: "",
    endpoint: "http://127.0.0.1:4566",
    state: options.state ?? new StateStore(undefined),
  };
}

interface OperationTypes {
  input: unknown;
  output: unknown;
}

/** A typed caller for one service's handler table: `call("GetRole", { RoleName }, ctx)`. */
export function caller<Ops extends { [K in keyof Ops]: OperationTypes }>(service: ServiceDefinition) {
  return async <K extends keyof Ops & string>(operation: K, input: Ops[K]["input"], ctx: RequestContext): Promise<Ops[K]["output"]> => {
    const handler = service.handlers[operation];
    if (!handler) throw new Error(`${service.id} has no handler for ${operation}`);
    return (await handler(input as Record<string, unknown>, { ...ctx, operation })) as Ops[K]["output"];
  };
}
