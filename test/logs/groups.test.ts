/** Log groups, streams, retention and tags through @aws-sdk/client-cloudwatch-logs, errors included. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsLogGroupCommand,
  PutLogEventsCommand,
  PutLogGroupDeletionProtectionCommand,
  PutRetentionPolicyCommand,
  TagLogGroupCommand,
  TagResourceCommand,
  UntagLogGroupCommand,
  UntagResourceCommand,
  paginateDescribeLogGroups,
  paginateDescribeLogStreams,
  type CloudWatchLogsClient,
} from "@aws-sdk/client-cloudwatch-logs";
import { failure, startLogs } from "./support.ts";

let logs: CloudWatchLogsClient;
let close: () => Promise<void>;

before(async () => {
  ({ logs, close } = await startLogs());
});
after(async () => close());

const ACCOUNT = "000000000000";

async function expectError(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  const error = await failure(promise);
  assert.equal(error.name, name, error.message);
  assert.equal(error.$metadata.httpStatusCode, 400);
  if (message) assert.match(error.message, message);
}

describe("log groups", () => {
  it("creates a group with AWS's defaults and describes it", async () => {
    const before = Date.now();
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/app/one", kmsKeyId: "arn:aws:kms:us-east-1:000000000000:key/k", tags: { team: "a" } }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/app/one" }));
    assert.equal(logGroups?.length, 1);
    const group = logGroups?.[0];
    assert.equal(group?.logGroupName, "/app/one");
    assert.equal(group?.arn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/one:*`);
    assert.equal(group?.logGroupArn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/one`);
    assert.equal(group?.logGroupClass, "STANDARD");
    assert.equal(group?.metricFilterCount, 0);
    assert.equal(group?.storedBytes, 0);
    assert.equal(group?.kmsKeyId, "arn:aws:kms:us-east-1:000000000000:key/k");
    assert.equal(group?.retentionInDays, undefined);
    assert.ok((group?.creationTime ?? 0) >= before - 1000 && (group?.creationTime ?? 0) <= Date.now());
  });

  it("rejects duplicates and invalid names", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "dup", logGroupClass: "INFREQUENT_ACCESS" }));
    await expectError(logs.send(new CreateLogGroupCommand({ logGroupName: "dup" })), "ResourceAlreadyExistsException", /already exists/);
    await expectError(logs.send(new CreateLogGroupCommand({ logGroupName: "has space" })), "InvalidParameterException", /regular expression pattern/);
    await expectError(logs.send(new CreateLogGroupCommand({ logGroupName: "a".repeat(513) })), "InvalidParameterException", /512/);
    await expectError(logs.send(new CreateLogGroupCommand({ logGroupName: "x:y" })), "InvalidParameterException");
    await logs.send(new CreateLogGroupCommand({ logGroupName: "a".repeat(512) }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: "ok._-/#9" }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "dup" }));
    assert.equal(logGroups?.[0]?.logGroupClass, "INFREQUENT_ACCESS");
  });

  it("filters by prefix or case-insensitive pattern and pages with limit and nextToken", async () => {
    for (const name of ["page/a", "page/b", "page/C", "page/d", "page/e"]) await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeLogGroups({ client: logs, pageSize: 2 }, { logGroupNamePrefix: "page/" })) {
      pages++;
      assert.ok((page.logGroups?.length ?? 0) <= 2);
      names.push(...(page.logGroups ?? []).map((group) => group.logGroupName ?? ""));
    }
    assert.deepEqual(names, ["page/C", "page/a", "page/b", "page/d", "page/e"]);
    assert.equal(pages, 3);
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: "GE/c" }));
    assert.deepEqual(
      logGroups?.map((group) => group.logGroupName),
      ["page/C"],
    );
    await expectError(logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "a", logGroupNamePattern: "b" })), "InvalidParameterException");
    await expectError(logs.send(new DescribeLogGroupsCommand({ limit: 51 })), "InvalidParameterException", /less than or equal to 50/);
    await expectError(logs.send(new DescribeLogGroupsCommand({ limit: 0 })), "InvalidParameterException");
    await expectError(logs.send(new DescribeLogGroupsCommand({ nextToken: "garbage!" })), "InvalidParameterException", /nextToken/);
  });

  it("deletes groups with their streams; missing groups are ResourceNotFound", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "gone" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "gone", logStreamName: "s" }));
    await logs.send(new PutLogEventsCommand({ logGroupName: "gone", logStreamName: "s", logEvents: [{ timestamp: Date.now(), message: "m" }] }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: "gone" }));
    await expectError(logs.send(new DeleteLogGroupCommand({ logGroupName: "gone" })), "ResourceNotFoundException", /The specified log group does not exist/);
    await logs.send(new CreateLogGroupCommand({ logGroupName: "gone" }));
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: "gone" }));
    assert.deepEqual(logStreams, []);
  });

  it("honours deletion protection until it is turned off", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "protected", deletionProtectionEnabled: true }));
    await expectError(logs.send(new DeleteLogGroupCommand({ logGroupName: "protected" })), "ValidationException", /deletion protection/);
    await logs.send(new PutLogGroupDeletionProtectionCommand({ logGroupIdentifier: "protected", deletionProtectionEnabled: false }));
    await logs.send(new DeleteLogGroupCommand({ logGroupName: "protected" }));
  });

  it("sets and removes retention, accepting only AWS's periods", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "ret" }));
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: "ret", retentionInDays: 14 }));
    let { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "ret" }));
    assert.equal(logGroups?.[0]?.retentionInDays, 14);
    await expectError(logs.send(new PutRetentionPolicyCommand({ logGroupName: "ret", retentionInDays: 2 })), "InvalidParameterException", /enum value set/);
    await expectError(logs.send(new PutRetentionPolicyCommand({ logGroupName: "missing", retentionInDays: 1 })), "ResourceNotFoundException");
    await logs.send(new DeleteRetentionPolicyCommand({ logGroupName: "ret" }));
    ({ logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "ret" })));
    assert.equal(logGroups?.[0]?.retentionInDays, undefined);
    await expectError(logs.send(new DeleteRetentionPolicyCommand({ logGroupName: "missing" })), "ResourceNotFoundException");
  });
});

describe("tags", () => {
  it("tags by name and by ARN, with AWS's limits", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "tagged", tags: { a: "1" } }));
    await logs.send(new TagLogGroupCommand({ logGroupName: "tagged", tags: { b: "2" } }));
    assert.deepEqual((await logs.send(new ListTagsLogGroupCommand({ logGroupName: "tagged" }))).tags, { a: "1", b: "2" });
    await logs.send(new UntagLogGroupCommand({ logGroupName: "tagged", tags: ["a"] }));
    const arn = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:tagged`;
    await logs.send(new TagResourceCommand({ resourceArn: arn, tags: { c: "3" } }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: `${arn}:*` }))).tags, { b: "2", c: "3" });
    await logs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["b"] }));
    assert.deepEqual((await logs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, { c: "3" });

    await expectError(logs.send(new TagResourceCommand({ resourceArn: arn, tags: { "aws:x": "y" } })), "InvalidParameterException");
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    await expectError(logs.send(new TagResourceCommand({ resourceArn: arn, tags: many })), "TooManyTagsException");
    await expectError(logs.send(new ListTagsForResourceCommand({ resourceArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:nope` })), "ResourceNotFoundException");
    await expectError(logs.send(new ListTagsLogGroupCommand({ logGroupName: "nope" })), "ResourceNotFoundException");
  });
});

describe("log streams", () => {
  it("creates, rejects duplicates and bad names, and deletes", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "streams" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "streams", logStreamName: "2026/01/01/[$LATEST]abc" }));
    await expectError(logs.send(new CreateLogStreamCommand({ logGroupName: "streams", logStreamName: "2026/01/01/[$LATEST]abc" })), "ResourceAlreadyExistsException");
    await expectError(logs.send(new CreateLogStreamCommand({ logGroupName: "streams", logStreamName: "a:b" })), "InvalidParameterException");
    await expectError(logs.send(new CreateLogStreamCommand({ logGroupName: "streams", logStreamName: "a*b" })), "InvalidParameterException");
    await expectError(logs.send(new CreateLogStreamCommand({ logGroupName: "no-group", logStreamName: "s" })), "ResourceNotFoundException", /log group/);
    await logs.send(new DeleteLogStreamCommand({ logGroupName: "streams", logStreamName: "2026/01/01/[$LATEST]abc" }));
    await expectError(logs.send(new DeleteLogStreamCommand({ logGroupName: "streams", logStreamName: "2026/01/01/[$LATEST]abc" })), "ResourceNotFoundException", /log stream/);
  });

  it("describes with prefix, order by name or last event time, descending, paging, and group ARNs", async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: "order" }));
    const now = Date.now();
    const names = ["s-c", "s-a", "s-b", "other"];
    for (const [i, name] of names.entries()) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: "order", logStreamName: name }));
      await logs.send(new PutLogEventsCommand({ logGroupName: "order", logStreamName: name, logEvents: [{ timestamp: now - 1000 + i, message: name }] }));
    }
    const byName: string[] = [];
    for await (const page of paginateDescribeLogStreams({ client: logs, pageSize: 1 }, { logGroupName: "order", logStreamNamePrefix: "s-" })) {
      byName.push(...(page.logStreams ?? []).map((stream) => stream.logStreamName ?? ""));
    }
    assert.deepEqual(byName, ["s-a", "s-b", "s-c"]);

    const newest: string[] = [];
    for await (const page of paginateDescribeLogStreams(
      { client: logs, pageSize: 3 },
      { logGroupIdentifier: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:order:*`, orderBy: "LastEventTime", descending: true },
    )) {
      newest.push(...(page.logStreams ?? []).map((stream) => stream.logStreamName ?? ""));
    }
    assert.deepEqual(newest, ["other", "s-b", "s-a", "s-c"]);

    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: "order", logStreamNamePrefix: "s-a" }));
    const stream = logStreams?.[0];
    assert.equal(stream?.arn, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:order:log-stream:s-a`);
    assert.equal(stream?.firstEventTimestamp, now - 999);
    assert.equal(stream?.lastEventTimestamp, now - 999);
    assert.ok((stream?.lastIngestionTime ?? 0) >= now - 5000);
    assert.match(stream?.uploadSequenceToken ?? "", /^\d+$/);

    await expectError(logs.send(new DescribeLogStreamsCommand({ logGroupName: "order", logStreamNamePrefix: "s", orderBy: "LastEventTime" })), "InvalidParameterException");
    await expectError(logs.send(new DescribeLogStreamsCommand({ logGroupName: "order", logGroupIdentifier: "order" })), "InvalidParameterException");
    await expectError(logs.send(new DescribeLogStreamsCommand({ logGroupName: "missing" })), "ResourceNotFoundException");
    await expectError(logs.send(new DescribeLogStreamsCommand({ logGroupName: "order", limit: 51 })), "InvalidParameterException");
  });
});
