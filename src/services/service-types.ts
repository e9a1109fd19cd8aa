/** What a service is to the gateway: an id and a handler per implemented operation, typed from the SDK. */
import type { StateStore } from "../state/state-store.ts";

/** Everything a handler may know about the call it serves. */
export interface RequestContext {
  requestId: string;
  /** 12-digit account id (from the access key; default 000000000000). */
  account: string;
  region: string;
  accessKeyId: string;
  service: string;
  operation: string;
  /** The base URL clients reached Stratus on (e.g. http://127.0.0.1:4566), for URLs handlers hand out. */
  endpoint: string;
  state: StateStore;
}

export type Handler<I, O> = (input: I, ctx: RequestContext) => O | Promise<O>;

interface OperationTypes {
  input: unknown;
  output: unknown;
}

/** A partial table: operations left out answer NotImplemented. */
export type HandlerTable<Ops> = {
  [K in keyof Ops]?: Ops[K] extends OperationTypes ? Handler<Ops[K]["input"], Ops[K]["output"]> : never;
};

/** The gateway's untyped view of a handler (input already decoded and validated by the codec). */
export type AnyHandler = (input: Record<string, unknown>, ctx: RequestContext) => unknown;

export interface ServiceDefinition {
  id: string;
  handlers: Readonly<Record<string, AnyHandler | undefined>>;
  /** Restarts background work found on disk at start-up (queued events, running tasks); see registry.ts RESUMABLE. */
  resume?: ((state: StateStore, endpoint: string) => void) | undefined;
}

/** Binds a typed handler table to a service id; the type parameter is the generated `…Operations` map. */
export function defineService<Ops>(id: string, handlers: HandlerTable<Ops>, extras: Pick<ServiceDefinition, "resume"> = {}): ServiceDefinition {
  return { id, handlers: handlers as Record<string, AnyHandler | undefined>, ...extras };
}
