/** The embedded SQLite file (node:sqlite, WAL) every store writes through to before a response is sent. */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export interface RecordRow {
  service: string;
  kind: string;
  scope: string;
  id: string;
  value: string;
}

/** Row storage for all stores: one table keyed by (service, kind, scope, id), values as JSON text. */
export class RecordDatabase {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly upsert: StatementSync;
  private readonly remove: StatementSync;
  private readonly selectKind: StatementSync;
  private transactionDepth = 0;
  /** Whether the running transaction has written yet: BEGIN waits for the first write. */
  private begun = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, "stratus.db");
    this.db = new DatabaseSync(this.path);
    // WAL + synchronous=NORMAL: a committed write is in the WAL file before we answer, which is what
    // survives `kill -9` (only a power loss could drop the last transactions).
    this.db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=2000;");
    this.db.exec(`CREATE TABLE IF NOT EXISTS records (
      service TEXT NOT NULL, kind TEXT NOT NULL, scope TEXT NOT NULL, id TEXT NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (service, kind, scope, id))`);
    this.upsert = this.db.prepare(
      "INSERT INTO records (service, kind, scope, id, value) VALUES (?, ?, ?, ?, ?) ON CONFLICT (service, kind, scope, id) DO UPDATE SET value = excluded.value",
    );
    this.remove = this.db.prepare("DELETE FROM records WHERE service = ? AND kind = ? AND scope = ? AND id = ?");
    this.selectKind = this.db.prepare("SELECT scope, id, value FROM records WHERE service = ? AND kind = ? ORDER BY rowid");
  }

  /**
   * Every request runs in a transaction, most of them read-only: BEGIN only once something is
   * written, so a read costs no BEGIN/COMMIT round.
   */
  private beforeWrite(): void {
    if (this.transactionDepth > 0 && !this.begun) {
      this.db.exec("BEGIN");
      this.begun = true;
    }
  }

  put(row: RecordRow): void {
    this.beforeWrite();
    this.upsert.run(row.service, row.kind, row.scope, row.id, row.value);
  }

  delete(service: string, kind: string, scope: string, id: string): void {
    this.beforeWrite();
    this.remove.run(service, kind, scope, id);
  }

  rowsOf(service: string, kind: string): Array<{ scope: string; id: string; value: string }> {
    return this.selectKind.all(service, kind) as Array<{ scope: string; id: string; value: string }>;
  }

  hasRows(service: string, kind: string): boolean {
    return this.db.prepare("SELECT 1 FROM records WHERE service = ? AND kind = ? LIMIT 1").get(service, kind) !== undefined;
  }

  allRows(): RecordRow[] {
    return this.db.prepare("SELECT service, kind, scope, id, value FROM records ORDER BY rowid").all() as unknown as RecordRow[];
  }

  deleteAll(service?: string): void {
    this.beforeWrite();
    if (service) this.db.prepare("DELETE FROM records WHERE service = ?").run(service);
    else this.db.exec("DELETE FROM records");
  }

  /** Runs `work` atomically; nested calls join the outer transaction. */
  transaction<T>(work: () => T): T {
    if (this.transactionDepth > 0) return work();
    this.transactionDepth++;
    this.begun = false;
    try {
      const result = work();
      if (this.begun) this.db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.begun) this.db.exec("ROLLBACK");
      throw error;
    } finally {
      this.transactionDepth--;
      this.begun = false;
    }
  }

  close(): void {
    this.db.close();
  }
}
