/** Filter patterns (unit) and FilterLogEvents through the SDK: streams, time range, paging with nextToken, eventIds. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
  paginateFilterLogEvents,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { compileFilterPattern } from "../../src/services/logs/filter-pattern.ts";
import { failure, startLogs } from "./support.ts";

/** Which of `messages` a pattern keeps. */
const keep = (pattern: string, messages: string[]): string[] => messages.filter(compileFilterPattern(pattern));

describe("filter patterns", () => {
  const lines = ["ERROR disk full", "WARN disk slow", "INFO all good", "ERROR [timeout] after 30s", "error lower case"];

  it("ANDs terms, matches quoted phrases, ORs ?terms and excludes -terms, case-sensitively", () => {
    assert.deepEqual(keep("", lines), lines);
    assert.deepEqual(keep("ERROR", lines), ["ERROR disk full", "ERROR [timeout] after 30s"]);
    assert.deepEqual(keep("ERROR disk", lines), ["ERROR disk full"]);
    assert.deepEqual(keep('"disk full"', lines), ["ERROR disk full"]);
    assert.deepEqual(keep('"all good"', lines), ["INFO all good"]);
    assert.deepEqual(keep("?WARN ?INFO", lines), ["WARN disk slow", "INFO all good"]);
    assert.deepEqual(keep("ERROR -disk", lines), ["ERROR [timeout] after 30s"]);
    assert.deepEqual(keep('disk -"disk full"', lines), ["WARN disk slow"]);
    assert.deepEqual(keep("%ERR(OR)? \\[%", lines), ["ERROR [timeout] after 30s"]);
  });

  const json = [
    JSON.stringify({ level: "error", code: 500, user: { id: "u-1", tags: ["a", "b"] }, ok: false, gone: null }),
    JSON.stringify({ level: "info", code: 200, user: { id: "u-2" }, ok: true, latency: 12.5 }),
    JSON.stringify({ level: "warn", code: 404, user: { id: "admin-7" } }),
    "not json at all",
  ];

  it("evaluates JSON patterns: =, !=, numbers, wildcards, &&, ||, parentheses, arrays, EXISTS, NOT EXISTS, IS NULL/TRUE", () => {
    assert.deepEqual(keep('{ $.level = "error" }', json), [json[0]]);
    assert.deepEqual(keep('{ $.level != "error" }', json), [json[1], json[2]]);
    assert.deepEqual(keep("{ $.code > 250 }", json), [json[0], json[2]]);
    assert.deepEqual(keep("{ $.code = 200 }", json), [json[1]]);
    assert.deepEqual(keep("{ $.latency <= 12.5 }", json), [json[1]]);
    assert.deepEqual(keep('{ $.user.id = "admin-*" }', json), [json[2]]);
    assert.deepEqual(keep("{ $.user.id = u-* }", json), [json[0], json[1]]);
    assert.deepEqual(keep('{ $.code >= 400 && $.level = "warn" }', json), [json[2]]);
    assert.deepEqual(keep('{ ($.code = 200 || $.code = 404) && $.user.id != "u-2" }', json), [json[2]]);
    assert.deepEqual(keep('{ $.user.tags[1] = "b" }', json), [json[0]]);
    assert.deepEqual(keep("{ $.latency EXISTS }", json), [json[1]]);
    assert.deepEqual(keep("{ $.ok NOT EXISTS }", json), [json[2]]);
    assert.deepEqual(keep("{ $.gone IS NULL }", json), [json[0]]);
    assert.deepEqual(keep("{ $.ok IS TRUE }", json), [json[1]]);
  });

  it("matches space-delimited patterns with named fields, ... and conditions", () => {
    const access = [
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326',
      '10.0.0.2 - bob [10/Oct/2000:13:56:00 -0700] "POST /login HTTP/1.0" 401 12',
      '10.0.0.3 - eve [10/Oct/2000:13:57:00 -0700] "GET /big HTTP/1.0" 500 99999',
    ];
    assert.deepEqual(keep("[ip, id, user, timestamp, request, status_code = 4*, size]", access), [access[1]]);
    assert.deepEqual(keep("[..., status_code >= 400, size > 1000]", access), [access[2]]);
    assert.deepEqual(keep('[ip = "10.0.0.*", ...]', access), [access[1], access[2]]);
    assert.deepEqual(keep("[ip, id, user = frank || user = eve, ...]", access), [access[0], access[2]]);
    assert.deepEqual(keep("[a, b]", access), []);
  });

  it("rejects malformed patterns", () => {
    for (const bad of ["{ $.a = }", "{ $.a > \"x\" }", '"unterminated', "{ $.a = 1", "{ level = 1 }"]) {
      assert.throws(() => compileFilterPattern(bad), (error: Error & { code?: string }) => error.code === "InvalidParameterException", bad);
    }
  });
});

describe("FilterLogEvents", () => {
  let logs: CloudWatchLogsClient;
  let close: () => Promise<void>;
  const now = Date.now() - 10_000;

  before(async () => {
    ({ logs, close } = await startLogs());
    await logs.send(new CreateLogGroupCommand({ logGroupName: "app" }));
    for (const stream of ["web-1", "web-2", "worker"]) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: "app", logStreamName: stream }));
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: "app",
          logStreamName: stream,
          logEvents: Array.from({ length: 10 }, (_, i) => ({ timestamp: now + i * 100, message: `${i % 3 === 0 ? "ERROR" : "INFO"} ${stream} n=${i}` })),
        }),
      );
    }
  });
  after(async () => close());

  it("interleaves streams in time order with eventIds and searchedLogStreams", async () => {
    const { events, searchedLogStreams, nextToken } = await logs.send(new FilterLogEventsCommand({ logGroupName: "app", filterPattern: "ERROR" }));
    assert.equal(nextToken, undefined);
    assert.equal(events?.length, 12);
    assert.deepEqual(
      events?.slice(0, 3).map((event) => event.logStreamName),
      ["web-1", "web-2", "worker"],
    );
    const times = events?.map((event) => event.timestamp ?? 0) ?? [];
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    const ids = new Set(events?.map((event) => event.eventId));
    assert.equal(ids.size, 12);
    for (const event of events ?? []) assert.match(event.eventId ?? "", /^\d+$/);
    assert.deepEqual(
      searchedLogStreams?.map((stream) => stream.logStreamName),
      ["web-1", "web-2", "worker"],
    );
  });

  it("restricts by stream names, prefix and time range", async () => {
    const byName = await logs.send(new FilterLogEventsCommand({ logGroupName: "app", logStreamNames: ["worker"], filterPattern: "ERROR" }));
    assert.deepEqual(
      byName.events?.map((event) => event.message),
      ["ERROR worker n=0", "ERROR worker n=3", "ERROR worker n=6", "ERROR worker n=9"],
    );
    const byPrefix = await logs.send(new FilterLogEventsCommand({ logGroupName: "app", logStreamNamePrefix: "web-", startTime: now + 200, endTime: now + 400 }));
    assert.deepEqual(
      byPrefix.events?.map((event) => event.message),
      ["INFO web-1 n=2", "INFO web-2 n=2", "ERROR web-1 n=3", "ERROR web-2 n=3"],
    );
    const both = await failure(logs.send(new FilterLogEventsCommand({ logGroupName: "app", logStreamNames: ["a"], logStreamNamePrefix: "b" })));
    assert.equal(both.name, "InvalidParameterException");
    const noStream = await failure(logs.send(new FilterLogEventsCommand({ logGroupName: "app", logStreamNames: ["worker", "nope"] })));
    assert.equal(noStream.name, "ResourceNotFoundException");
    assert.match(noStream.message, /log stream/);
    const missing = await failure(logs.send(new FilterLogEventsCommand({ logGroupName: "missing" })));
    assert.equal(missing.name, "ResourceNotFoundException");
    const badPattern = await failure(logs.send(new FilterLogEventsCommand({ logGroupName: "app", filterPattern: "{ $.x = " })));
    assert.equal(badPattern.name, "InvalidParameterException");
  });

  it("pages with limit and nextToken through the SDK paginator", async () => {
    const messages: string[] = [];
    let pages = 0;
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: 7 }, { logGroupName: "app" })) {
      pages++;
      messages.push(...(page.events ?? []).map((event) => event.message ?? ""));
    }
    assert.equal(messages.length, 30);
    assert.equal(new Set(messages).size, 30);
    assert.equal(pages, 5);
    const badToken = await failure(logs.send(new FilterLogEventsCommand({ logGroupName: "app", nextToken: "nope" })));
    assert.equal(badToken.name, "InvalidParameterException");
  });
});
