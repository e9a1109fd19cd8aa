/** Account+region scoped record tables held in memory and written through to SQLite (or memory only). */
import { dirname, join } from "node:path";
import { BlobStore } from "./blob-store.ts";
import type { RecordDatabase, RecordRow } from "./database.ts";

export interface Scope {
  account: string;
  region: string;
}

/** IAM and other global services keep one scope per account. */
export const GLOBAL_REGION = "global";

const scopeKey = (scope: Scope): string => `${scope.account}/${scope.region}`;

/** Undo steps for the in-memory side of the running transaction: a failed transaction leaves memory as it found it. */
export class UndoJournal {
  private steps: Array<() => void> | undefined;
  /**
   * Counts every change to any table sharing this journal (writes, deletes, undos, reloads): a view
   * derived from the records stays valid while it is unchanged (DescribeInstances caches on it).
   */
  revision = 0;

  record(step: () => void): void {
    this.steps?.push(step);
  }

  /** Runs `work` inside `durable` (the database transaction); nested calls join the outer one. */
  run<T>(work: () => T, durable: (work: () => T) => T): T {
    if (this.steps) return work();
    const steps: Array<() => void> = [];
    this.steps = steps;
    try {
      return durable(work);
    } catch (error) {
      for (const undo of steps.reverse()) undo();
      this.revision++;
      throw error;
    } finally {
      this.steps = undefined;
    }
  }
}

/**
 * One kind of record of one service (e.g. iam/roles). Values must be plain JSON: keep timestamps as
 * ISO strings or epoch milliseconds (the codecs accept both where the API says timestamp).
 */
export class Table<T> {
  readonly service: string;
  readonly kind: string;
  private readonly db: RecordDatabase | undefined;
  private readonly journal: UndoJournal;
  private scopes: Map<string, Map<string, T>> | undefined;

  constructor(service: string, kind: string, db: RecordDatabase | undefined, journal: UndoJournal = new UndoJournal()) {
    this.service = service;
    this.kind = kind;
    this.db = db;
    this.journal = journal;
  }

  /** Remembers how to put an entry back if the surrounding transaction fails. */
  private remember(bucket: Map<string, T>, id: string): void {
    const had = bucket.has(id);
    const previous = bucket.get(id);
    this.journal.record(() => {
      if (had) bucket.set(id, previous as T);
      else bucket.delete(id);
    });
  }

  /** Rows are read from disk on the table's first use, not at start-up. */
  private data(): Map<string, Map<string, T>> {
    if (!this.scopes) {
      this.scopes = new Map();
      for (const row of this.db?.rowsOf(this.service, this.kind) ?? []) {
        this.bucket(row.scope).set(row.id, JSON.parse(row.value) as T);
      }
    }
    return this.scopes;
  }

  private bucket(key: string): Map<string, T> {
    const scopes = this.scopes ?? this.data();
    let bucket = scopes.get(key);
    if (!bucket) {
      bucket = new Map();
      scopes.set(key, bucket);
    }
    return bucket;
  }

  get(scope: Scope, id: string): T | undefined {
    return this.data().get(scopeKey(scope))?.get(id);
  }

  has(scope: Scope, id: string): boolean {
    return this.data().get(scopeKey(scope))?.has(id) ?? false;
  }

  /** Stores the value and writes it to disk before returning. */
  put(scope: Scope, id: string, value: T): T {
    const key = scopeKey(scope);
    this.db?.put({ service: this.service, kind: this.kind, scope: key, id, value: JSON.stringify(value) });
    this.data();
    const bucket = this.bucket(key);
    this.remember(bucket, id);
    bucket.set(id, value);
    this.journal.revision++;
    return value;
  }

  delete(scope: Scope, id: string): boolean {
    const key = scopeKey(scope);
    const bucket = this.data().get(key);
    if (!bucket?.has(id)) return false;
    this.db?.delete(this.service, this.kind, key, id);
    this.remember(bucket, id);
    bucket.delete(id);
    this.journal.revision++;
    return true;
  }

  /** Values of one scope in insertion order. */
  list(scope: Scope): T[] {
    return [...(this.data().get(scopeKey(scope))?.values() ?? [])];
  }

  /** Every account+region that holds at least one record (background work walks them all). */
  scopesWithRecords(): Scope[] {
    const scopes: Scope[] = [];
    for (const [key, bucket] of this.data()) {
      if (bucket.size === 0) continue;
      const slash = key.indexOf("/");
      scopes.push({ account: key.slice(0, slash), region: key.slice(slash + 1) });
    }
    return scopes;
  }

  count(): number {
    let total = 0;
    for (const bucket of this.data().values()) total += bucket.size;
    return total;
  }

  /** Forgets the in-memory copy so the next use reads from disk (after restore/reset). */
  invalidate(): void {
    this.scopes = undefined;
    this.journal.revision++;
  }

  /** Ephemeral stores keep their rows only here: export them for snapshots. */
  memoryRows(): RecordRow[] {
    const rows: RecordRow[] = [];
    for (const [scope, bucket] of this.data()) {
      for (const [id, value] of bucket) rows.push({ service: this.service, kind: this.kind, scope, id, value: JSON.stringify(value) });
    }
    return rows;
  }

  loadRows(rows: RecordRow[]): void {
    this.scopes = new Map();
    this.journal.revision++;
    for (const row of rows) this.bucket(row.scope).set(row.id, JSON.parse(row.value) as T);
  }
}

export interface Snapshot {
  format: "stratus-snapshot/1";
  records: RecordRow[];
}

/** The registry of all tables: one place for snapshot, restore and reset. */
export class StateStore {
  readonly db: RecordDatabase | undefined;
  private readonly tables = new Map<string, Table<unknown>>();
  private readonly journal = new UndoJournal();
  private readonly replacedListeners: Array<(service: string | undefined) => void> = [];

  constructor(db: RecordDatabase | undefined) {
    this.db = db;
  }

  /** Changes so far to any table of this store (see UndoJournal.revision). */
  get revision(): number {
    return this.journal.revision;
  }

  get persistent(): boolean {
    return this.db !== undefined;
  }

  private blobStore: BlobStore | undefined;

  /** Large bytes (function code) beside the database under the data dir; in memory when ephemeral. */
  get blobs(): BlobStore {
    this.blobStore ??= new BlobStore(this.db ? join(dirname(this.db.path), "blobs") : undefined);
    return this.blobStore;
  }

  table<T>(service: string, kind: string): Table<T> {
    const key = `${service}/${kind}`;
    let table = this.tables.get(key);
    if (!table) {
      table = new Table<unknown>(service, kind, this.db, this.journal);
      this.tables.set(key, table);
    }
    return table as Table<T>;
  }

  /** Whether the data directory holds records of this kind, without loading them (cheap enough for start-up). */
  hasStoredRecords(service: string, kind: string): boolean {
    return this.db?.hasRows(service, kind) ?? false;
  }

  /** Several writes that land together or not at all, on disk and in memory. */
  transaction<T>(work: () => T): T {
    const db = this.db;
    return this.journal.run(work, (inner) => (db ? db.transaction(inner) : inner()));
  }

  snapshot(): Snapshot {
    const records = this.db ? this.db.allRows() : [...this.tables.values()].flatMap((table) => table.memoryRows());
    return { format: "stratus-snapshot/1", records };
  }

  restore(snapshot: Snapshot): void {
    if (this.db) {
      const db = this.db;
      db.transaction(() => {
        db.deleteAll();
        for (const row of snapshot.records) db.put(row);
      });
      for (const table of this.tables.values()) table.invalidate();
      this.replaced(undefined);
      return;
    }
    for (const table of this.tables.values()) {
      table.loadRows(snapshot.records.filter((row) => row.service === table.service && row.kind === table.kind));
    }
    for (const row of snapshot.records) {
      const table = this.table<unknown>(row.service, row.kind);
      if (!table.has(splitScope(row.scope), row.id)) table.put(splitScope(row.scope), row.id, JSON.parse(row.value));
    }
    this.replaced(undefined);
  }

  /** Drops every record (of one service, or all). */
  reset(service?: string): void {
    this.db?.deleteAll(service);
    for (const table of this.tables.values()) {
      if (!service || table.service === service) {
        if (this.db) table.invalidate();
        else table.loadRows([]);
      }
    }
    this.replaced(service);
  }

  /**
   * Called after a reset (of one service, or all: undefined) or a restore (all): what runs outside the records
   * (containers, execution environments) must follow, or it would outlive the records that owned it.
   */
  onReplaced(listener: (service: string | undefined) => void): void {
    this.replacedListeners.push(listener);
  }

  private replaced(service: string | undefined): void {
    for (const listener of this.replacedListeners) listener(service);
  }

  close(): void {
    this.db?.close();
  }
}

function splitScope(key: string): Scope {
  const slash = key.indexOf("/");
  return { account: key.slice(0, slash), region: key.slice(slash + 1) };
}
