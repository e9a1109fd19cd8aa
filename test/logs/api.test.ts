/** The in-process API other services write logs through: groups and streams appear on demand, events read back in order. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CloudwatchLogsOperations } from "../../src/generated/cloudwatch-logs.ts";
import { appendLogEvents, ensureLogGroup } from "../../src/services/logs/api.ts";
import { logsService } from "../../src/services/logs/index.ts";
import { RecordDatabase } from "../../src/state/database.ts";
import { StateStore } from "../../src/state/state-store.ts";
import { caller, makeContext } from "../services/handler-context.ts";

const call = caller<CloudwatchLogsOperations>(logsService);
const scope = { account: "000000000000", region: "us-east-1" };

describe("logs api.ts", () => {
  it("appendLogEvents creates the group and stream, and GetLogEvents/DescribeLogStreams see the events", async () => {
    const state = new StateStore(undefined);
    const ctx = makeContext({ service: "cloudwatch-logs", state });
    const now = Date.now();
    appendLogEvents(state, scope, "/aws/lambda/fn", "2026/01/01/[$LATEST]abc", [
      { timestamp: now - 2, message: "START RequestId: 1" },
      { timestamp: now - 1, message: "hello" },
    ]);
    appendLogEvents(state, scope, "/aws/lambda/fn", "2026/01/01/[$LATEST]abc", [{ timestamp: now, message: "END RequestId: 1" }]);
    const { events } = await call("GetLogEvents", { logGroupName: "/aws/lambda/fn", logStreamName: "2026/01/01/[$LATEST]abc", startFromHead: true }, ctx);
    assert.deepEqual(
      events?.map((event) => event.message),
      ["START RequestId: 1", "hello", "END RequestId: 1"],
    );
    const { logStreams } = await call("DescribeLogStreams", { logGroupName: "/aws/lambda/fn" }, ctx);
    assert.equal(logStreams?.[0]?.firstEventTimestamp, now - 2);
    assert.equal(logStreams?.[0]?.lastEventTimestamp, now);

    ensureLogGroup(state, scope, "/aws/lambda/other");
    ensureLogGroup(state, scope, "/aws/lambda/other");
    const { logGroups } = await call("DescribeLogGroups", { logGroupNamePrefix: "/aws/lambda/" }, ctx);
    assert.deepEqual(
      logGroups?.map((group) => group.logGroupName),
      ["/aws/lambda/fn", "/aws/lambda/other"],
    );
  });

  it("splits large appends into batches, keeps timestamp order and checks names as the API does", async () => {
    const state = new StateStore(undefined);
    const ctx = makeContext({ service: "cloudwatch-logs", state });
    const now = Date.now();
    const events = Array.from({ length: 12_000 }, (_, i) => ({ timestamp: now - 12_000 + i, message: `line ${i}` }));
    appendLogEvents(state, scope, "big", "s", [...events.slice(6_000), ...events.slice(0, 6_000)]);
    const head = await call("GetLogEvents", { logGroupName: "big", logStreamName: "s", startFromHead: true, limit: 2 }, ctx);
    assert.deepEqual(
      head.events?.map((event) => event.message),
      ["line 0", "line 1"],
    );
    const tail = await call("GetLogEvents", { logGroupName: "big", logStreamName: "s", limit: 1 }, ctx);
    assert.deepEqual(
      tail.events?.map((event) => event.message),
      ["line 11999"],
    );
    assert.throws(() => appendLogEvents(state, scope, "bad name", "s", []), (error: Error & { code?: string }) => error.code === "InvalidParameterException");
    assert.throws(() => appendLogEvents(state, scope, "g", "a:b", []), (error: Error & { code?: string }) => error.code === "InvalidParameterException");
    assert.throws(() => ensureLogGroup(state, scope, ""), (error: Error & { code?: string }) => error.code === "InvalidParameterException");
  });

  it("keeps events on disk: a new store over the same file reads them back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stratus-logs-api-"));
    try {
      const first = new StateStore(new RecordDatabase(dir));
      appendLogEvents(first, scope, "g", "s", [{ timestamp: Date.now(), message: "durable" }]);
      first.close();
      const second = new StateStore(new RecordDatabase(dir));
      const { events } = await call("GetLogEvents", { logGroupName: "g", logStreamName: "s" }, makeContext({ service: "cloudwatch-logs", state: second }));
      assert.deepEqual(
        events?.map((event) => event.message),
        ["durable"],
      );
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
