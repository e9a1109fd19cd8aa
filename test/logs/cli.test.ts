/** Logs through the AWS CLI (get/filter, and `aws logs tail`) and durability of acknowledged events across kill -9. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CreateLogGroupCommand, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { cliEnv, tempDataDir } from "../support/server.ts";
import { startLogs } from "./support.ts";

const run = promisify(execFile);

/**
 * Runs `aws logs tail …`: it exists only in CLI v2, so the `aws` on PATH is tried first and a v2 install at
 * /usr/bin/aws next; undefined when neither has it.
 */
async function awsLogsTail(args: string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const candidate of ["aws", "/usr/bin/aws"]) {
    try {
      return (await run(candidate, ["logs", "tail", ...args], { env, timeout: 20_000 })).stdout;
    } catch (error) {
      const text = `${(error as { stderr?: string }).stderr ?? ""} ${String(error)}`;
      if (!/invalid choice|ENOENT/i.test(text)) throw error;
    }
  }
  return undefined;
}

describe("Logs through the AWS CLI, and across kill -9", () => {
  const data = tempDataDir("stratus-logs-");
  let started: Awaited<ReturnType<typeof startLogs>>;
  const now = Date.now() - 5_000;

  before(async () => {
    started = await startLogs({ dataDir: data.dir });
    const { logs } = started;
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/cli/app" }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: "/cli/app", logStreamName: "main" }));
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: "/cli/app",
        logStreamName: "main",
        logEvents: [
          { timestamp: now, message: "first line" },
          { timestamp: now + 1, message: "ERROR second line" },
          { timestamp: now + 2, message: "third line" },
        ],
      }),
    );
  });
  after(async () => {
    await started.close();
    data.remove();
  });

  it("answers get-log-events and filter-log-events from the CLI on PATH", async () => {
    const env = cliEnv(started.server.endpoint);
    const endpoint = ["--endpoint-url", started.server.endpoint];
    const got = await run("aws", ["logs", "get-log-events", "--log-group-name", "/cli/app", "--log-stream-name", "main", "--start-from-head", ...endpoint], { env });
    assert.deepEqual(
      (JSON.parse(got.stdout) as { events: Array<{ message: string }> }).events.map((event) => event.message),
      ["first line", "ERROR second line", "third line"],
    );
    const filtered = await run("aws", ["logs", "filter-log-events", "--log-group-name", "/cli/app", "--filter-pattern", "ERROR", ...endpoint], { env });
    assert.deepEqual(
      (JSON.parse(filtered.stdout) as { events: Array<{ message: string }> }).events.map((event) => event.message),
      ["ERROR second line"],
    );
  });

  it("prints the events with `aws logs tail <group> --since 1h`", async (t) => {
    const env = cliEnv(started.server.endpoint);
    const endpoint = ["--endpoint-url", started.server.endpoint];
    const stdout = await awsLogsTail(["/cli/app", "--since", "1h", ...endpoint], env);
    if (stdout === undefined) {
      t.skip("no AWS CLI with `logs tail` (CLI v2) is installed");
      return;
    }
    const lines = stdout.trim().split("\n");
    assert.equal(lines.length, 3, stdout);
    assert.match(lines[0] ?? "", /^\S+ main first line$/);
    assert.match(lines[1] ?? "", /ERROR second line$/);
    const filtered = await awsLogsTail(["/cli/app", "--since", "1h", "--filter-pattern", "third", "--format", "short", ...endpoint], env);
    assert.match(filtered?.trim() ?? "", /^\S+ third line$/);
  });

  it("keeps every acknowledged event after kill -9", async () => {
    const { logs } = started;
    for (let batch = 0; batch < 20; batch++) {
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: "/cli/app",
          logStreamName: "main",
          logEvents: Array.from({ length: 50 }, (_, i) => ({ timestamp: now + 10 + batch, message: `batch ${batch} event ${i}` })),
        }),
      );
    }
    await started.server.kill();
    started.logs.destroy();
    started = await startLogs({ dataDir: data.dir });
    const { events } = await started.logs.send(new GetLogEventsCommand({ logGroupName: "/cli/app", logStreamName: "main", startFromHead: true }));
    assert.equal(events?.length, 3 + 20 * 50);
    assert.equal(events?.[3]?.message, "batch 0 event 0");
    assert.equal(events?.[events.length - 1]?.message, "batch 19 event 49");
  });
});
