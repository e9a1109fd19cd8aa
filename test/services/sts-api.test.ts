/** STS through a started Stratus: caller identity and AssumeRole round trips with the real SDK clients and the AWS CLI. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetAccessKeyInfoCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, clientConfig, startStratus, type RunningStratus } from "../support/server.ts";

const run = promisify(execFile);

const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] });

interface Credentials {
  AccessKeyId?: string | undefined;
  SecretAccessKey?: string | undefined;
  SessionToken?: string | undefined;
}

/** Client settings that sign with credentials STS handed out. */
function sessionConfig(endpoint: string, credentials: Credentials | undefined) {
  return {
    ...clientConfig(endpoint),
    credentials: {
      accessKeyId: credentials?.AccessKeyId ?? "",
      secretAccessKey: credentials?.SecretAccessKey ?? "",
      ...(credentials?.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
    },
  };
}

let server: RunningStratus;
let sts: STSClient;
let iam: IAMClient;

before(async () => {
  server = await startStratus();
  sts = new STSClient(clientConfig(server.endpoint));
  iam = new IAMClient(clientConfig(server.endpoint));
});
after(async () => {
  sts.destroy();
  iam.destroy();
  await server.stop();
});

describe("STS through the SDK", () => {
  it("answers GetCallerIdentity for the default key and for a 12-digit account key", async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, "000000000000");
    assert.equal(identity.Arn, "arn:aws:iam::000000000000:root");
    assert.equal(identity.UserId, "000000000000");
    const other = new STSClient(clientConfig(server.endpoint, "123456789012"));
    assert.equal((await other.send(new GetCallerIdentityCommand({}))).Arn, "arn:aws:iam::123456789012:root");
    other.destroy();
  });

  it("assumes a role; a client using the credentials is the assumed role in the same account", async () => {
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: "deployer", AssumeRolePolicyDocument: TRUST }));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: Role?.Arn, RoleSessionName: "ci-run", DurationSeconds: 900 }));
    assert.match(assumed.Credentials?.AccessKeyId ?? "", /^ASIA[A-Z2-7]{16}$/);
    assert.equal(assumed.Credentials?.SecretAccessKey?.length, 40);
    assert.ok(assumed.Credentials?.Expiration instanceof Date);
    assert.equal(assumed.AssumedRoleUser?.AssumedRoleId, `${Role?.RoleId}:ci-run`);
    assert.equal(assumed.AssumedRoleUser?.Arn, "arn:aws:sts::000000000000:assumed-role/deployer/ci-run");

    const asRole = new STSClient(sessionConfig(server.endpoint, assumed.Credentials));
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    assert.deepEqual(
      { Account: identity.Account, Arn: identity.Arn, UserId: identity.UserId },
      { Account: "000000000000", Arn: "arn:aws:sts::000000000000:assumed-role/deployer/ci-run", UserId: `${Role?.RoleId}:ci-run` },
    );
    const iamAsRole = new IAMClient(sessionConfig(server.endpoint, assumed.Credentials));
    assert.equal((await iamAsRole.send(new GetRoleCommand({ RoleName: "deployer" }))).Role?.RoleId, Role?.RoleId, "the session works in the role's account");
    const chained = await sdkFailure(asRole.send(new GetSessionTokenCommand({})));
    assert.equal(chained.name, "AccessDenied");
    asRole.destroy();
    iamAsRole.destroy();
  });

  it("keeps cross-account sessions in the role's account", async () => {
    const owner = new IAMClient(clientConfig(server.endpoint, "111122223333"));
    await owner.send(new CreateRoleCommand({ RoleName: "audit", AssumeRolePolicyDocument: TRUST }));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::111122223333:role/audit", RoleSessionName: "look" }));
    const asRole = new STSClient(sessionConfig(server.endpoint, assumed.Credentials));
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    assert.equal(identity.Account, "111122223333");
    assert.equal(identity.Arn, "arn:aws:sts::111122223333:assumed-role/audit/look");
    assert.equal((await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: assumed.Credentials?.AccessKeyId }))).Account, "111122223333");
    owner.destroy();
    asRole.destroy();
  });

  it("denies unknown roles and validates the request as STS does", async () => {
    const denied = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::000000000000:role/ghost", RoleSessionName: "s1" })));
    assert.equal(denied.name, "AccessDenied");
    assert.equal(denied.$metadata.httpStatusCode, 403);
    assert.equal(denied.message, "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/ghost");
    await iam.send(new CreateRoleCommand({ RoleName: "strict", AssumeRolePolicyDocument: TRUST }));
    const arn = "arn:aws:iam::000000000000:role/strict";
    const shortName = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "x" })));
    assert.equal(shortName.name, "ValidationError");
    assert.equal(shortName.$metadata.httpStatusCode, 400);
    const tooLong = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "ok", DurationSeconds: 7200 })));
    assert.equal(tooLong.name, "ValidationError");
    assert.equal(tooLong.message, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  });

  it("issues session tokens and accepts IAM users' access keys", async () => {
    const session = await sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const asSession = new STSClient(sessionConfig(server.endpoint, session.Credentials));
    assert.equal((await asSession.send(new GetCallerIdentityCommand({}))).Arn, "arn:aws:iam::000000000000:root");
    asSession.destroy();

    const alt = new IAMClient(clientConfig(server.endpoint, "444455556666"));
    const { User } = await alt.send(new CreateUserCommand({ UserName: "dev" }));
    const { AccessKey } = await alt.send(new CreateAccessKeyCommand({ UserName: "dev" }));
    const asUser = new STSClient(sessionConfig(server.endpoint, AccessKey));
    const identity = await asUser.send(new GetCallerIdentityCommand({}));
    assert.deepEqual([identity.Account, identity.Arn, identity.UserId], ["444455556666", "arn:aws:iam::444455556666:user/dev", User?.UserId]);
    alt.destroy();
    asUser.destroy();
  });
});

describe("STS through the AWS CLI", () => {
  async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await run("aws", ["--endpoint-url", server.endpoint, "--output", "json", ...args], { env });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it("get-caller-identity, assume-role, and get-caller-identity again with the session's credentials", async () => {
    const env = cliEnv(server.endpoint);
    assert.deepEqual(await cli(env, "sts", "get-caller-identity"), { UserId: "000000000000", Account: "000000000000", Arn: "arn:aws:iam::000000000000:root" });
    await iam.send(new CreateRoleCommand({ RoleName: "cli-role", AssumeRolePolicyDocument: TRUST }));
    const assumed = await cli(env, "sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/cli-role", "--role-session-name", "from-cli");
    const credentials = assumed["Credentials"] as { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
    const sessionEnv = {
      ...env,
      AWS_ACCESS_KEY_ID: credentials.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.SecretAccessKey,
      AWS_SESSION_TOKEN: credentials.SessionToken,
    };
    const identity = await cli(sessionEnv, "sts", "get-caller-identity");
    assert.equal(identity["Arn"], "arn:aws:sts::000000000000:assumed-role/cli-role/from-cli");
    assert.equal(identity["Account"], "000000000000");

    await assert.rejects(
      cli(env, "sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/none", "--role-session-name", "x1"),
      (error: unknown) => /\(AccessDenied\)/.test(String((error as { stderr?: string }).stderr)),
    );
  });
});
