/** Acknowledged writes survive a restart and kill -9; snapshot, restore and reset work on every store. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateRoleCommand, GetRoleCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand, GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { clientConfig, startStratus, tempDataDir } from "./support/server.ts";

const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const permissions = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "logs:*", Resource: "*" }] });
const iamAt = (endpoint: string, account = "test") => new IAMClient(clientConfig(endpoint, account));

test("state survives a clean restart", async () => {
  const data = tempDataDir();
  try {
    let server = await startStratus({ dataDir: data.dir });
    await iamAt(server.endpoint).send(new CreateRoleCommand({ RoleName: "kept", AssumeRolePolicyDocument: trust }));
    await iamAt(server.endpoint).send(new PutRolePolicyCommand({ RoleName: "kept", PolicyName: "p", PolicyDocument: permissions }));
    await server.stop();
    server = await startStratus({ dataDir: data.dir });
    const role = await iamAt(server.endpoint).send(new GetRoleCommand({ RoleName: "kept" }));
    assert.equal(role.Role?.RoleName, "kept");
    const policy = await iamAt(server.endpoint).send(new GetRolePolicyCommand({ RoleName: "kept", PolicyName: "p" }));
    assert.equal(decodeURIComponent(policy.PolicyDocument ?? ""), permissions);
    await server.stop();
  } finally {
    data.remove();
  }
});

test("every acknowledged write survives kill -9", async () => {
  const data = tempDataDir();
  try {
    let server = await startStratus({ dataDir: data.dir });
    const iam = iamAt(server.endpoint);
    const names = Array.from({ length: 25 }, (_, i) => `crash-${i}`);
    await Promise.all(names.map((RoleName) => iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust }))));
    // No pause: the kill lands right after the last acknowledgement.
    await server.kill();
    server = await startStratus({ dataDir: data.dir });
    const listed = await iamAt(server.endpoint).send(new ListRolesCommand({ MaxItems: 1000 }));
    const found = new Set((listed.Roles ?? []).map((role) => role.RoleName));
    for (const name of names) assert.ok(found.has(name), `${name} was acknowledged but lost`);
    await server.stop();
  } finally {
    data.remove();
  }
});

test("state is scoped by account: another 12-digit access key sees its own roles", async () => {
  const server = await startStratus();
  try {
    await iamAt(server.endpoint, "111111111111").send(new CreateRoleCommand({ RoleName: "mine", AssumeRolePolicyDocument: trust }));
    const other = await iamAt(server.endpoint, "222222222222").send(new ListRolesCommand({}));
    assert.equal((other.Roles ?? []).length, 0);
    const mine = await iamAt(server.endpoint, "111111111111").send(new GetRoleCommand({ RoleName: "mine" }));
    assert.equal(mine.Role?.Arn, "arn:aws:iam::111111111111:role/mine");
  } finally {
    await server.stop();
  }
});

for (const mode of ["persistent", "ephemeral"] as const) {
  test(`snapshot, reset and restore through the admin API (${mode})`, async () => {
    const data = tempDataDir();
    const server = await startStratus(mode === "persistent" ? { dataDir: data.dir } : {});
    try {
      const iam = iamAt(server.endpoint);
      await iam.send(new CreateRoleCommand({ RoleName: "snap", AssumeRolePolicyDocument: trust }));
      const snapshot = await (await fetch(`${server.endpoint}/_stratus/snapshot`)).text();
      assert.equal((await fetch(`${server.endpoint}/_stratus/reset`, { method: "POST" })).status, 200);
      await assert.rejects(iam.send(new GetRoleCommand({ RoleName: "snap" })), { name: "NoSuchEntityException" });
      const restored = await fetch(`${server.endpoint}/_stratus/restore`, { method: "POST", body: snapshot });
      assert.equal(restored.status, 200);
      assert.equal((await iam.send(new GetRoleCommand({ RoleName: "snap" }))).Role?.RoleName, "snap");
      const bad = await fetch(`${server.endpoint}/_stratus/restore`, { method: "POST", body: "{not json" });
      assert.equal(bad.status, 400);
      assert.equal((await iam.send(new GetRoleCommand({ RoleName: "snap" }))).Role?.RoleName, "snap");
    } finally {
      await server.stop();
      data.remove();
    }
  });
}

test("`stratus reset` on a stopped Stratus clears its data directory", async () => {
  const data = tempDataDir();
  try {
    let server = await startStratus({ dataDir: data.dir });
    await iamAt(server.endpoint).send(new CreateRoleCommand({ RoleName: "gone", AssumeRolePolicyDocument: trust }));
    await server.stop();
    const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [cli, "reset", "--port", "1", "--data-dir", data.dir]);
    assert.match(stdout, /Reset the state in/);
    server = await startStratus({ dataDir: data.dir });
    await assert.rejects(iamAt(server.endpoint).send(new GetRoleCommand({ RoleName: "gone" })), { name: "NoSuchEntityException" });
    await server.stop();
  } finally {
    data.remove();
  }
});
