/** The built `stratus` command (bin/stratus.js → dist/) starts and serves a real client, as users run it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { clientConfig } from "./support/server.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

test("npm run build produces a dist/ that bin/stratus.js starts", async () => {
  execFileSync(process.execPath, ["--no-warnings", "scripts/build.ts"], { cwd: root, stdio: "pipe" });
  const child = spawn(process.execPath, ["bin/stratus.js", "start", "--port", "0", "--ephemeral"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const endpoint = await new Promise<string>((resolveReady, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`not ready: ${output}`)), 10_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Stratus ready on (\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolveReady(match[1]);
        }
      });
    });
    const identity = await new STSClient(clientConfig(endpoint, "123456789012")).send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, "123456789012");
  } finally {
    child.kill("SIGTERM");
  }
});
