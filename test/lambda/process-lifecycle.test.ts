/** Execution environments never outlive Stratus (SIGTERM or SIGKILL), with and without the bubblewrap sandbox and cgroups. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { codeZip, createActive, json, lambdaFixture } from "./support.ts";

/** Processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // gone
    }
  }
  return found;
}

const alive = (pid: number): boolean => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/\) Z /.test(state);
  } catch {
    return false;
  }
};

async function waitGone(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 40; i++) {
    if (pids.every((pid) => !alive(pid))) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return pids.filter(alive);
}

const MODES: Array<{ name: string; env: Record<string, string> }> = [
  { name: "sandboxed (bwrap when installed, cgroups when writable)", env: {} },
  { name: "plain processes (no sandbox, no cgroups)", env: { STRATUS_LAMBDA_SANDBOX: "none", STRATUS_LAMBDA_CGROUPS: "off" } },
];

for (const mode of MODES) {
  describe(`Lambda environments as ${mode.name}`, () => {
    for (const how of ["stop", "kill"] as const) {
      it(`runs, times out, and leaves no process behind after Stratus is ${how === "stop" ? "stopped (SIGTERM)" : "killed (SIGKILL)"}`, async () => {
        const fx = await lambdaFixture({ env: mode.env });
        try {
          await createActive(fx, { FunctionName: "busy", Timeout: 1, Code: { ZipFile: codeZip("exports.handler = async (e) => { if (e.loop) for (;;) {} return process.pid > 0; };") } });
          assert.equal(json((await fx.lambda.send(new InvokeCommand({ FunctionName: "busy" }))).Payload), true);
          if (how === "stop") {
            const timedOut = await fx.lambda.send(new InvokeCommand({ FunctionName: "busy", Payload: Buffer.from('{"loop":true}') }));
            assert.equal(timedOut.FunctionError, "Unhandled");
            // The timed-out environment is gone; a fresh one serves the next call and stays warm.
            assert.equal(json((await fx.lambda.send(new InvokeCommand({ FunctionName: "busy" }))).Payload), true);
          } else {
            // A function stuck in a loop when Stratus dies must die too.
            void fx.lambda.send(new InvokeCommand({ FunctionName: "busy", Payload: Buffer.from('{"loop":true}') })).catch(() => undefined);
            await new Promise((r) => setTimeout(r, 300));
          }
          const pid = fx.server.process.pid ?? 0;
          const children = childrenOf(pid);
          assert.ok(children.length >= 1, "an environment is running");
          const descendants = children.flatMap((child) => [child, ...childrenOf(child)]);
          if (how === "stop") await fx.server.stop();
          else await fx.server.kill();
          assert.deepEqual(await waitGone(descendants), []);
        } finally {
          fx.lambda.destroy();
          await fx.server.kill();
        }
      });
    }
  });
}

describe("Lambda memory limit", () => {
  it("kills an environment that exhausts its memory and answers Runtime.ExitError; the next call gets a new one", async () => {
    const fx = await lambdaFixture();
    try {
      const hog = "const keep = []; exports.handler = async (e) => { if (e.hog) for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1)); return 'fine'; };";
      await createActive(fx, { FunctionName: "hog", MemorySize: 128, Timeout: 10, Code: { ZipFile: codeZip(hog) } });
      const result = await fx.lambda.send(new InvokeCommand({ FunctionName: "hog", Payload: Buffer.from('{"hog":true}') }));
      assert.equal(result.FunctionError, "Unhandled");
      const body = json(result.Payload) as { errorType: string; errorMessage: string };
      assert.equal(body.errorType, "Runtime.ExitError");
      assert.match(body.errorMessage, /Runtime exited with error: (signal: killed|exit status \d+)/);
      assert.equal(json((await fx.lambda.send(new InvokeCommand({ FunctionName: "hog" }))).Payload), "fine");
    } finally {
      await fx.close();
    }
  });
});
