/** The account+region scope of an EC2 call, and the typed tables EC2 keeps its records in. */
import type { RequestContext } from "../../service-types.ts";
import type { Scope, Table } from "../../../state/state-store.ts";

export const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

export const ec2Table = <T>(ctx: RequestContext, kind: string): Table<T> => ctx.state.table<T>("ec2", kind);
