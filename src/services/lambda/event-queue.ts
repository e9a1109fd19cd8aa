/** Lambda's asynchronous (Event) queue kept on disk: an accepted event is run even if Stratus restarts before it ran. */
import { log } from "../../shared/log.ts";
import type { Scope, StateStore, Table } from "../../state/state-store.ts";
import type { RequestContext } from "../service-types.ts";

export interface QueuedEvent {
  requestId: string;
  functionName: string;
  qualifier?: string | undefined;
  /** base64 */
  payload: string;
  clientContext?: string | undefined;
  enqueuedAt: number;
}

export const EVENT_KIND = "async-events";
const events = (state: StateStore): Table<QueuedEvent> => state.table<QueuedEvent>("lambda", EVENT_KIND);

/** Records the event inside the Invoke request's transaction, so the 202 answer means it is on disk. */
export function enqueueEvent(ctx: RequestContext, functionName: string, qualifier: string | undefined, payload: Buffer, clientContext: string | undefined): QueuedEvent {
  const event: QueuedEvent = { requestId: ctx.requestId, functionName, qualifier, payload: payload.toString("base64"), clientContext, enqueuedAt: Date.now() };
  return events(ctx.state).put(ctx, event.requestId, event);
}

/** The event ran (successfully or out of retries) or aged out: forget it. */
export function dequeueEvent(state: StateStore, scope: Scope, requestId: string): void {
  try {
    state.transaction(() => events(state).delete({ account: scope.account, region: scope.region }, requestId));
  } catch (error) {
    log.warn("could not remove a finished Lambda event from the queue", error);
  }
}

/** A context for work Stratus resumes by itself (no client request): the event's own request id, account and region. */
function resumeContext(state: StateStore, endpoint: string, scope: Scope, event: QueuedEvent): RequestContext {
  return { requestId: event.requestId, account: scope.account, region: scope.region, accessKeyId: "", service: "lambda", operation: "Invoke", endpoint, state };
}

/** After a restart: runs every event still queued (at least once, as Lambda promises), oldest first. */
export function resumeQueuedEvents(state: StateStore, endpoint: string, run: (ctx: RequestContext, event: QueuedEvent) => Promise<unknown>): number {
  const table = events(state);
  let resumed = 0;
  for (const scope of table.scopesWithRecords()) {
    for (const event of table.list(scope).sort((a, b) => a.enqueuedAt - b.enqueuedAt)) {
      resumed++;
      run(resumeContext(state, endpoint, scope, event), event).catch((error: unknown) => {
        // The function (or qualifier) is gone, or cannot run any more: Lambda drops such events too.
        log.warn(`dropping queued event ${event.requestId} of ${event.functionName}: ${(error as Error).message}`);
        dequeueEvent(state, scope, event.requestId);
      });
    }
  }
  return resumed;
}
