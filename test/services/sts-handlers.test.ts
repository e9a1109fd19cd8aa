/** STS handlers called directly: caller identity, AssumeRole against IAM roles, temporary credentials Stratus then accepts. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IamOperations } from "../../src/generated/iam.ts";
import type { StsOperations } from "../../src/generated/sts.ts";
import { iamService } from "../../src/services/iam/index.ts";
import { accountForAccessKey } from "../../src/services/sts/credentials.ts";
import { stsService } from "../../src/services/sts/index.ts";
import { StateStore } from "../../src/state/state-store.ts";
import { rejectsWithAwsError as rejects } from "../support/assertions.ts";
import { caller, makeContext } from "./handler-context.ts";

const sts = caller<StsOperations>(stsService);
const iam = caller<IamOperations>(iamService);

const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] });

/** A store with role `deployer` (path /ci/) in `account`, and contexts for the root caller of it. */
async function setup(account = "123456789012") {
  const state = new StateStore(undefined);
  const root = (service: string, accessKeyId = "test", acct = account) => makeContext({ service, state, account: acct, accessKeyId });
  const { Role } = await iam("CreateRole", { RoleName: "deployer", Path: "/ci/", AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 7200 }, root("iam"));
  return { state, root, role: Role };
}

describe("STS GetCallerIdentity", () => {
  it("answers the account root for keys Stratus did not issue", async () => {
    const ctx = makeContext({ service: "sts", account: "000000000000" });
    assert.deepEqual(await sts("GetCallerIdentity", {}, ctx), { UserId: "000000000000", Account: "000000000000", Arn: "arn:aws:iam::000000000000:root" });
  });
});

describe("STS AssumeRole", () => {
  it("issues ASIA credentials that map to the role's account and show the assumed role", async () => {
    const { state, root, role } = await setup();
    const before = Date.now();
    const out = await sts("AssumeRole", { RoleArn: "arn:aws:iam::123456789012:role/ci/deployer", RoleSessionName: "build-42", DurationSeconds: 1800 }, root("sts"));
    const credentials = out.Credentials;
    assert.ok(credentials);
    assert.match(credentials.AccessKeyId ?? "", /^ASIA[A-Z2-7]{16}$/);
    assert.equal(credentials.SecretAccessKey?.length, 40);
    assert.ok((credentials.SessionToken ?? "").length > 100);
    const expires = credentials.Expiration?.getTime() ?? 0;
    assert.ok(expires >= Math.floor(before / 1000) * 1000 + 1800_000 && expires <= Date.now() + 1800_000);
    assert.equal(expires % 1000, 0, "STS expirations have whole seconds");
    assert.deepEqual(out.AssumedRoleUser, {
      AssumedRoleId: `${role?.RoleId}:build-42`,
      Arn: "arn:aws:sts::123456789012:assumed-role/deployer/build-42",
    });

    const key = credentials.AccessKeyId ?? "";
    assert.equal(accountForAccessKey(state, key), "123456789012");
    const identity = await sts("GetCallerIdentity", {}, makeContext({ service: "sts", state, account: "123456789012", accessKeyId: key }));
    assert.deepEqual(identity, { UserId: `${role?.RoleId}:build-42`, Account: "123456789012", Arn: "arn:aws:sts::123456789012:assumed-role/deployer/build-42" });
    assert.deepEqual(await sts("GetAccessKeyInfo", { AccessKeyId: key }, root("sts")), { Account: "123456789012" });
  });

  it("finds a role of the caller's account through an ARN naming another account; the session is the ARN's account", async () => {
    const { state, root } = await setup("000000000000");
    const out = await sts("AssumeRole", { RoleArn: "arn:aws:iam::111122223333:role/ci/deployer", RoleSessionName: "x1" }, root("sts"));
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::111122223333:assumed-role/deployer/x1");
    assert.equal(accountForAccessKey(state, out.Credentials?.AccessKeyId ?? ""), "111122223333");
  });

  it("denies roles that do not exist, as AWS does", async () => {
    const { root } = await setup();
    const arn = "arn:aws:iam::123456789012:role/ghost";
    await rejects(
      sts("AssumeRole", { RoleArn: arn, RoleSessionName: "s1" }, root("sts")),
      "AccessDenied",
      403,
      `User: arn:aws:iam::123456789012:root is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    );
    await rejects(sts("AssumeRole", { RoleArn: "arn:aws:iam::123456789012:role/deployer", RoleSessionName: "s1" }, root("sts")), "AccessDenied", 403, /deployer/);
    await rejects(sts("AssumeRole", { RoleArn: "arn:aws:iam::123456789012:user/someone", RoleSessionName: "s1" }, root("sts")), "AccessDenied", 403);
  });

  it("validates the session name, duration and session policy", async () => {
    const { root } = await setup();
    const RoleArn = "arn:aws:iam::123456789012:role/ci/deployer";
    await rejects(sts("AssumeRole", { RoleArn, RoleSessionName: "a" }, root("sts")), "ValidationError", 400, /'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2/);
    await rejects(sts("AssumeRole", { RoleArn, RoleSessionName: "has space" }, root("sts")), "ValidationError", 400, /regular expression pattern/);
    await rejects(sts("AssumeRole", { RoleArn, RoleSessionName: "s".repeat(65) }, root("sts")), "ValidationError", 400, /less than or equal to 64/);
    await rejects(
      sts("AssumeRole", { RoleArn, RoleSessionName: "ok", DurationSeconds: 899 }, root("sts")),
      "ValidationError",
      400,
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    await rejects(sts("AssumeRole", { RoleArn, RoleSessionName: "ok", DurationSeconds: 43201 }, root("sts")), "ValidationError", 400, /less than or equal to 43200/);
    await rejects(
      sts("AssumeRole", { RoleArn, RoleSessionName: "ok", DurationSeconds: 10800 }, root("sts")),
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
    await rejects(sts("AssumeRole", { RoleArn, RoleSessionName: "ok", Policy: "{nope" }, root("sts")), "MalformedPolicyDocument", 400);
    await rejects(sts("AssumeRole", { RoleArn: "short", RoleSessionName: "ok" }, root("sts")), "ValidationError", 400, /'roleArn'/);
  });

  it("limits role chaining to one hour", async () => {
    const { state, root } = await setup();
    const RoleArn = "arn:aws:iam::123456789012:role/ci/deployer";
    const first = await sts("AssumeRole", { RoleArn, RoleSessionName: "one" }, root("sts"));
    const asRole = makeContext({ service: "sts", state, account: "123456789012", accessKeyId: first.Credentials?.AccessKeyId ?? "" });
    await rejects(
      sts("AssumeRole", { RoleArn, RoleSessionName: "two", DurationSeconds: 7200 }, asRole),
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
    const chained = await sts("AssumeRole", { RoleArn, RoleSessionName: "two" }, asRole);
    assert.equal(chained.AssumedRoleUser?.Arn, "arn:aws:sts::123456789012:assumed-role/deployer/two");
    await rejects(sts("GetSessionToken", {}, asRole), "AccessDenied", 403, "Cannot call GetSessionToken with session credentials");
  });
});

describe("STS GetSessionToken and GetFederationToken", () => {
  it("issues session credentials with the caller's identity (root sessions last at most one hour)", async () => {
    const state = new StateStore(undefined);
    const ctx = makeContext({ service: "sts", state, account: "123456789012" });
    const before = Date.now();
    const { Credentials } = await sts("GetSessionToken", { DurationSeconds: 7200 }, ctx);
    assert.match(Credentials?.AccessKeyId ?? "", /^ASIA/);
    assert.ok((Credentials?.Expiration?.getTime() ?? 0) <= before + 3600_000 + 1000);
    assert.equal(accountForAccessKey(state, Credentials?.AccessKeyId ?? ""), "123456789012");
    const identity = await sts("GetCallerIdentity", {}, makeContext({ service: "sts", state, account: "123456789012", accessKeyId: Credentials?.AccessKeyId ?? "" }));
    assert.equal(identity.Arn, "arn:aws:iam::123456789012:root");
    await rejects(sts("GetSessionToken", { DurationSeconds: 100 }, ctx), "ValidationError", 400);
  });

  it("gives IAM users' sessions the user's identity", async () => {
    const state = new StateStore(undefined);
    const ctx = (accessKeyId = "test", service = "iam") => makeContext({ service, state, account: "123456789012", accessKeyId });
    const { User } = await iam("CreateUser", { UserName: "dev" }, ctx());
    const { AccessKey } = await iam("CreateAccessKey", { UserName: "dev" }, ctx());
    const asUser = ctx(AccessKey?.AccessKeyId ?? "", "sts");
    assert.deepEqual(await sts("GetCallerIdentity", {}, asUser), { UserId: User?.UserId, Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/dev" });
    const { Credentials } = await sts("GetSessionToken", {}, asUser);
    const session = await sts("GetCallerIdentity", {}, ctx(Credentials?.AccessKeyId ?? "", "sts"));
    assert.equal(session.Arn, "arn:aws:iam::123456789012:user/dev");
  });

  it("federates a named user", async () => {
    const ctx = makeContext({ service: "sts", account: "123456789012" });
    const out = await sts("GetFederationToken", { Name: "bob" }, ctx);
    assert.deepEqual(out.FederatedUser, { FederatedUserId: "123456789012:bob", Arn: "arn:aws:sts::123456789012:federated-user/bob" });
    await rejects(sts("GetFederationToken", { Name: "b" }, ctx), "ValidationError", 400);
  });
});
