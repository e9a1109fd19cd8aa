/** The state store: write-through tables, scoping, and transactions that roll back memory as well as disk. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordDatabase } from "../../src/state/database.ts";
import { StateStore } from "../../src/state/state-store.ts";
import { tempDataDir } from "../support/server.ts";

const scope = { account: "111111111111", region: "us-east-1" };

for (const mode of ["persistent", "ephemeral"] as const) {
  test(`a failed transaction leaves memory and disk as they were (${mode})`, () => {
    const data = tempDataDir();
    const store = new StateStore(mode === "persistent" ? new RecordDatabase(data.dir) : undefined);
    try {
      const table = store.table<{ n: number }>("svc", "things");
      table.put(scope, "kept", { n: 1 });
      table.put(scope, "gone", { n: 2 });
      assert.throws(() =>
        store.transaction(() => {
          table.put(scope, "kept", { n: 10 });
          table.put(scope, "new", { n: 3 });
          table.delete(scope, "gone");
          throw new Error("validation failed half-way");
        }),
      );
      assert.deepEqual(table.get(scope, "kept"), { n: 1 });
      assert.equal(table.get(scope, "new"), undefined);
      assert.deepEqual(table.get(scope, "gone"), { n: 2 });
      if (mode === "persistent") {
        store.close();
        const reopened = new StateStore(new RecordDatabase(data.dir)).table<{ n: number }>("svc", "things");
        assert.deepEqual(reopened.list(scope), [{ n: 1 }, { n: 2 }]);
      }
    } finally {
      if (mode === "ephemeral") store.close();
      data.remove();
    }
  });
}

test("a committed transaction keeps all its writes; scopes do not see each other", () => {
  const store = new StateStore(undefined);
  const table = store.table<string>("svc", "things");
  store.transaction(() => {
    table.put(scope, "a", "1");
    store.transaction(() => table.put(scope, "b", "2"));
  });
  assert.deepEqual(table.list(scope), ["1", "2"]);
  assert.deepEqual(table.list({ ...scope, region: "eu-west-1" }), []);
});
