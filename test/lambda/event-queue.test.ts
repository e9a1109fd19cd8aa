/** Event invocations are durable: one accepted (202) before a kill -9 still runs after the restart, and a finished one does not run again. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { clientConfig, startStratus, tempDataDir } from "../support/server.ts";
import { codeZip, createActive, lambdaFixture } from "./support.ts";

const HANDLER = `exports.handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.waitMs));
  console.log("ran " + event.id);
  return event.id;
};`;

/** The "ran <id>" lines of the function's log group. */
async function runs(endpoint: string, id: string): Promise<number> {
  const logs = new CloudWatchLogsClient(clientConfig(endpoint));
  try {
    const out = await logs.send(new FilterLogEventsCommand({ logGroupName: "/aws/lambda/queued", filterPattern: `"ran ${id}"` }));
    return out.events?.length ?? 0;
  } catch {
    return 0; // the group does not exist yet
  } finally {
    logs.destroy();
  }
}

async function waitForRuns(endpoint: string, id: string, atLeast: number): Promise<number> {
  const until = Date.now() + 30_000;
  for (;;) {
    const count = await runs(endpoint, id);
    if (count >= atLeast || Date.now() > until) return count;
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}

test("an Event invocation accepted before kill -9 runs after the restart; a finished one is not run again", { timeout: 90_000 }, async () => {
  const data = tempDataDir();
  try {
    const fx = await lambdaFixture({ dataDir: data.dir });
    await createActive(fx, { FunctionName: "queued", Timeout: 30, Code: { ZipFile: codeZip(HANDLER) } });

    // A finished event: it ran once, and the queue forgets it.
    const done = await fx.lambda.send(new InvokeCommand({ FunctionName: "queued", InvocationType: "Event", Payload: JSON.stringify({ id: "finished", waitMs: 0 }) }));
    assert.equal(done.StatusCode, 202);
    assert.equal(await waitForRuns(fx.server.endpoint, "finished", 1), 1);

    // An accepted event still running when Stratus dies.
    const pending = await fx.lambda.send(new InvokeCommand({ FunctionName: "queued", InvocationType: "Event", Payload: JSON.stringify({ id: "pending", waitMs: 5000 }) }));
    assert.equal(pending.StatusCode, 202);
    fx.lambda.destroy();
    await fx.server.kill();
    assert.equal(await runs(fx.server.endpoint, "pending"), 0);

    const again = await startStratus({ dataDir: data.dir, env: { STRATUS_LAMBDA_TRANSITION_MS: "30" } });
    try {
      assert.equal(await waitForRuns(again.endpoint, "pending", 1), 1, "the queued event ran after the restart");
      assert.equal(await runs(again.endpoint, "finished"), 1, "the finished event did not run a second time");
    } finally {
      await again.stop();
    }
  } finally {
    data.remove();
  }
});
