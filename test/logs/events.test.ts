/** PutLogEvents (ordering, limits, rejected events), GetLogEvents paging in both directions, and retention, through the SDK. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
  type InputLogEvent,
} from "@aws-sdk/client-cloudwatch-logs";
import { failure, startLogs } from "./support.ts";

let logs: CloudWatchLogsClient;
let close: () => Promise<void>;

const DAY = 86_400_000;
const HOUR = 3_600_000;

before(async () => {
  ({ logs, close } = await startLogs());
});
after(async () => close());

async function stream(group: string, name = "s"): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: name }));
}

const put = (group: string, logEvents: InputLogEvent[], name = "s") => logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: name, logEvents }));

async function expectInvalid(promise: Promise<unknown>, message?: RegExp): Promise<void> {
  const error = await failure(promise);
  assert.equal(error.name, "InvalidParameterException", error.message);
  if (message) assert.match(error.message, message);
}

describe("PutLogEvents", () => {
  it("accepts an ordered batch, ignores sequenceToken and returns nextSequenceToken", async () => {
    await stream("put");
    const now = Date.now();
    const first = await put("put", [
      { timestamp: now - 2, message: "a" },
      { timestamp: now - 2, message: "b" },
      { timestamp: now, message: "c" },
    ]);
    assert.match(first.nextSequenceToken ?? "", /^\d+$/);
    assert.equal(first.rejectedLogEventsInfo, undefined);
    const second = await logs.send(new PutLogEventsCommand({ logGroupName: "put", logStreamName: "s", sequenceToken: "bogus", logEvents: [{ timestamp: now, message: "d" }] }));
    assert.notEqual(second.nextSequenceToken, first.nextSequenceToken);
    const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: "put", logStreamName: "s", startFromHead: true }));
    assert.deepEqual(
      events?.map((event) => event.message),
      ["a", "b", "c", "d"],
    );
    assert.ok((events?.[0]?.ingestionTime ?? 0) >= now - 1000);
  });

  it("rejects unordered batches, batch limits and missing targets", async () => {
    await stream("limits");
    const now = Date.now();
    await expectInvalid(
      put("limits", [
        { timestamp: now, message: "later" },
        { timestamp: now - 1, message: "earlier" },
      ]),
      /chronological order/,
    );
    await expectInvalid(put("limits", []));
    await expectInvalid(put("limits", Array.from({ length: 10_001 }, () => ({ timestamp: now, message: "x" }))), /10000/);
    // 1,048,576 bytes counting 26 bytes per event: exactly at the limit passes, one byte more fails.
    await put("limits", [{ timestamp: now, message: "x".repeat(1_048_576 - 26) }]);
    await expectInvalid(put("limits", [{ timestamp: now, message: "x".repeat(1_048_576 - 25) }]), /too large/);
    await expectInvalid(
      put("limits", [
        { timestamp: now - 25 * HOUR, message: "a" },
        { timestamp: now, message: "b" },
      ]),
      /24 hours/,
    );
    const noGroup = await failure(logs.send(new PutLogEventsCommand({ logGroupName: "nope", logStreamName: "s", logEvents: [{ timestamp: now, message: "m" }] })));
    assert.equal(noGroup.name, "ResourceNotFoundException");
    const noStream = await failure(put("limits", [{ timestamp: now, message: "m" }], "nope"));
    assert.equal(noStream.name, "ResourceNotFoundException");
    assert.match(noStream.message, /log stream/);
  });

  it("reports too old, too new and expired events in rejectedLogEventsInfo and keeps the rest", async () => {
    await stream("rejects");
    const now = Date.now();
    const old = await put("rejects", [
      { timestamp: now - 14 * DAY - HOUR, message: "too old 1" },
      { timestamp: now - 14 * DAY - HOUR + 1, message: "too old 2" },
      { timestamp: now - 14 * DAY + HOUR, message: "kept old" },
    ]);
    assert.deepEqual(old.rejectedLogEventsInfo, { tooOldLogEventEndIndex: 2 });
    const fresh = await put("rejects", [
      { timestamp: now, message: "kept now" },
      { timestamp: now + 3 * HOUR, message: "too new 1" },
      { timestamp: now + 4 * HOUR, message: "too new 2" },
    ]);
    assert.deepEqual(fresh.rejectedLogEventsInfo, { tooNewLogEventStartIndex: 1 });

    await logs.send(new PutRetentionPolicyCommand({ logGroupName: "rejects", retentionInDays: 1 }));
    const expired = await put("rejects", [
      { timestamp: now - DAY - HOUR / 2, message: "expired" },
      { timestamp: now - DAY + HOUR / 2, message: "kept recent" },
    ]);
    assert.deepEqual(expired.rejectedLogEventsInfo, { expiredLogEventEndIndex: 1 });
    // Retention also hides what was stored before it was set ("kept old" is 13 days old).
    const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: "rejects", logStreamName: "s", startFromHead: true }));
    assert.deepEqual(
      events?.map((event) => event.message),
      ["kept recent", "kept now"],
    );
  });
});

describe("GetLogEvents", () => {
  const count = 25;
  let base = 0;
  before(async () => {
    await stream("paging");
    base = Date.now() - 60_000;
    // Two batches arriving out of time order: the odd events first, then the even ones.
    await put("paging", Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === 1).map((i) => ({ timestamp: base + i * 10, message: `e${i}` })));
    await put("paging", Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === 0).map((i) => ({ timestamp: base + i * 10, message: `e${i}` })));
    // The usual case: batches in time order (read lazily), some sharing a timestamp across the batch boundary.
    await logs.send(new CreateLogStreamCommand({ logGroupName: "paging", logStreamName: "ordered" }));
    for (let start = 0; start < count; start += 4) {
      const events = Array.from({ length: Math.min(4, count - start) }, (_, k) => start + k).map((i) => ({ timestamp: base + Math.floor(i / 2) * 10, message: `e${i}` }));
      await put("paging", events, "ordered");
    }
  });
  const all = (): string[] => Array.from({ length: count }, (_, i) => `e${i}`);

  it("pages forward from the head until the same token comes back", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", startFromHead: true, limit: 10, ...(token ? { nextToken: token } : {}) }));
      assert.match(page.nextForwardToken ?? "", /^f\/\d+$/);
      assert.match(page.nextBackwardToken ?? "", /^b\/\d+$/);
      pages++;
      if (page.nextForwardToken === token) {
        assert.deepEqual(page.events, []);
        break;
      }
      seen.push(...(page.events ?? []).map((event) => event.message ?? ""));
      token = page.nextForwardToken;
    }
    assert.deepEqual(seen, all());
    assert.equal(pages, 4);
  });

  it("starts with the newest page by default and pages backward until the same token comes back", async () => {
    const first = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", limit: 10 }));
    assert.deepEqual(
      first.events?.map((event) => event.message),
      all().slice(15),
    );
    const pages: string[][] = [];
    let token = first.nextBackwardToken;
    for (;;) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", limit: 10, nextToken: token }));
      if (page.nextBackwardToken === token) {
        assert.deepEqual(page.events, []);
        break;
      }
      pages.push((page.events ?? []).map((event) => event.message ?? ""));
      token = page.nextBackwardToken;
    }
    assert.deepEqual(pages, [all().slice(5, 15), all().slice(0, 5)]);
    // From the newest page forward there is nothing more: the same forward token returns.
    const tail = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", nextToken: first.nextForwardToken }));
    assert.deepEqual(tail.events, []);
    assert.equal(tail.nextForwardToken, first.nextForwardToken);
  });

  it("works with time ranges, and new events show up after the last forward token", async () => {
    // The SDK's paginateGetLogEvents has no stop-on-same-token (it loops forever against AWS too), so page by hand.
    const messages: string[] = [];
    let lastToken: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", startFromHead: true, limit: 7, ...(lastToken ? { nextToken: lastToken } : {}) }));
      if (page.nextForwardToken === lastToken) break;
      messages.push(...(page.events ?? []).map((event) => event.message ?? ""));
      lastToken = page.nextForwardToken;
    }
    assert.deepEqual(messages, all());

    const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", startFromHead: true, startTime: base + 50, endTime: base + 100 }));
    assert.deepEqual(
      events?.map((event) => event.message),
      ["e5", "e6", "e7", "e8", "e9"],
    );

    await put("paging", [{ timestamp: Date.now(), message: "late" }]);
    const more = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", nextToken: lastToken }));
    assert.deepEqual(
      more.events?.map((event) => event.message),
      ["late"],
    );
  });

  it("pages both ways over batches that arrived in time order", async () => {
    const forward: string[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "ordered", startFromHead: true, limit: 3, ...(token ? { nextToken: token } : {}) }));
      if (page.nextForwardToken === token) break;
      forward.push(...(page.events ?? []).map((event) => event.message ?? ""));
      token = page.nextForwardToken;
    }
    assert.deepEqual(forward, all());
    const backward: string[][] = [];
    let back: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "ordered", limit: 6, ...(back ? { nextToken: back } : {}) }));
      if (page.nextBackwardToken === back) break;
      backward.unshift((page.events ?? []).map((event) => event.message ?? ""));
      back = page.nextBackwardToken;
    }
    assert.deepEqual(backward.flat(), all());
    assert.deepEqual(
      backward.map((page) => page.length),
      [1, 6, 6, 6, 6],
    );
  });

  it("answers an empty stream with tokens that come back unchanged", async () => {
    await logs.send(new CreateLogStreamCommand({ logGroupName: "paging", logStreamName: "empty" }));
    const first = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "empty", startFromHead: true }));
    assert.deepEqual(first.events, []);
    const again = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "empty", nextToken: first.nextForwardToken }));
    assert.deepEqual(again.events, []);
    assert.equal(again.nextForwardToken, first.nextForwardToken);
    const back = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "empty", nextToken: first.nextBackwardToken }));
    assert.equal(back.nextBackwardToken, first.nextBackwardToken);
    // Events that arrive later show up on the same forward token.
    await put("paging", [{ timestamp: Date.now(), message: "arrived" }], "empty");
    const later = await logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "empty", nextToken: first.nextForwardToken }));
    assert.deepEqual(
      later.events?.map((event) => event.message),
      ["arrived"],
    );
  });

  it("rejects bad tokens and limits, and names missing groups and streams", async () => {
    await expectInvalid(logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", nextToken: "x/123" })), /nextToken/);
    await expectInvalid(logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "s", limit: 10_001 })));
    const noStream = await failure(logs.send(new GetLogEventsCommand({ logGroupName: "paging", logStreamName: "missing" })));
    assert.equal(noStream.name, "ResourceNotFoundException");
    const noGroup = await failure(logs.send(new GetLogEventsCommand({ logGroupName: "missing", logStreamName: "s" })));
    assert.equal(noGroup.name, "ResourceNotFoundException");
    const byArn = await logs.send(
      new GetLogEventsCommand({ logGroupIdentifier: "arn:aws:logs:us-east-1:000000000000:log-group:paging", logStreamName: "s", limit: 1, startFromHead: true }),
    );
    assert.deepEqual(
      byArn.events?.map((event) => event.message),
      ["e0"],
    );
  });

  it("stops returning events past retention in FilterLogEvents too", async () => {
    await stream("retention");
    const now = Date.now();
    await put("retention", [
      { timestamp: now - 3 * DAY, message: "three days" },
      { timestamp: now - 2 * DAY, message: "two days" },
    ]);
    await put("retention", [{ timestamp: now, message: "today" }]);
    let filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: "retention" }));
    assert.equal(filtered.events?.length, 3);
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: "retention", retentionInDays: 1 }));
    filtered = await logs.send(new FilterLogEventsCommand({ logGroupName: "retention" }));
    assert.deepEqual(
      filtered.events?.map((event) => event.message),
      ["today"],
    );
  });
});
