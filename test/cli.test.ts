/** The `stratus` command as a user runs it: start, status, reset, signals, and the errors that are the user's. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startStratus, tempDataDir } from "./support/server.ts";

const run = promisify(execFile);
const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

async function stratus(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { timeout: 15_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

test("start prints the endpoint, the data directory and the Ready line; SIGTERM stops it cleanly", async () => {
  const data = tempDataDir();
  const server = await startStratus({ dataDir: data.dir });
  try {
    assert.match(server.output(), /Endpoint: http:\/\/127\.0\.0\.1:\d+/);
    assert.ok(server.output().includes(`Data: ${data.dir}`));
    assert.match(server.output(), /Stratus ready on http:\/\/127\.0\.0\.1:\d+/);
  } finally {
    assert.equal(await server.stop(), 0);
    data.remove();
  }
});

test("health reports version, uptime and each service's state; status reads it", async () => {
  const server = await startStratus();
  try {
    const health = (await (await fetch(`${server.endpoint}/_stratus/health`)).json()) as {
      version: string;
      uptimeSeconds: number;
      services: Record<string, { status: string; protocol: string }>;
    };
    assert.match(health.version, /^\d+\.\d+\.\d+/);
    assert.equal(typeof health.uptimeSeconds, "number");
    assert.equal(health.services.iam?.status, "available");
    assert.equal(health.services.sts?.status, "available");
    assert.equal(health.services.ec2?.protocol, "ec2");
    assert.equal(Object.keys(health.services).length, 16);
    const status = await stratus(["status", "--port", String(server.port)]);
    assert.equal(status.code, 0);
    assert.match(status.stdout, /running on http:\/\/127\.0\.0\.1:\d+/);
  } finally {
    await server.stop();
  }
});

test("status of a Stratus that is not running says so and exits non-zero", async () => {
  const result = await stratus(["status", "--port", "1"]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /not running/);
});

test("a port already in use prints one clear line and exits non-zero", async () => {
  const first = await startStratus();
  try {
    const second = await stratus(["start", "--ephemeral", "--port", String(first.port)]);
    assert.notEqual(second.code, 0);
    assert.equal(second.stderr.trim().split("\n").length, 1);
    assert.match(second.stderr, /already in use/);
  } finally {
    await first.stop();
  }
});

test("an unwritable data directory prints one clear line and exits non-zero", { skip: process.getuid?.() === 0 ? "root can write anywhere; covered by the file-in-the-way case" : false }, async () => {
  const data = tempDataDir();
  const locked = join(data.dir, "locked");
  mkdirSync(locked);
  chmodSync(locked, 0o500);
  const result = await stratus(["start", "--port", "0", "--data-dir", join(locked, "state")]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /cannot use data directory/);
  data.remove();
});

test("a data directory that cannot be created (a file is in the way) prints one clear line and exits non-zero", async () => {
  const result = await stratus(["start", "--port", "0", "--data-dir", "/dev/null/state"]);
  assert.notEqual(result.code, 0);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /cannot use data directory \/dev\/null\/state/);
});

test("unknown options and commands are refused with usage", async () => {
  const option = await stratus(["start", "--bogus", "1"]);
  assert.notEqual(option.code, 0);
  assert.match(option.stderr, /unknown option --bogus/);
  const command = await stratus(["frobnicate"]);
  assert.notEqual(command.code, 0);
  assert.match(command.stderr, /unknown command/);
});
