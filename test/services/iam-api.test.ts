/** IAM through a started Stratus: the real @aws-sdk/client-iam and the AWS CLI, including errors as each reports them. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  paginateListRoles,
} from "@aws-sdk/client-iam";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, clientConfig, startStratus, tempDataDir, type RunningStratus } from "../support/server.ts";

const run = promisify(execFile);

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }] });
const LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

let server: RunningStratus;
let iam: IAMClient;

before(async () => {
  server = await startStratus();
  iam = new IAMClient(clientConfig(server.endpoint));
});
after(async () => {
  iam.destroy();
  await server.stop();
});

describe("IAM through the SDK", () => {
  it("creates, gets, pages through and deletes roles, with DeleteConflict while a policy is attached", async () => {
    const names = ["sdk-a", "sdk-b", "sdk-c", "sdk-d", "sdk-e"];
    for (const name of names) {
      const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, Path: "/sdk/", AssumeRolePolicyDocument: TRUST, Tags: [{ Key: "k", Value: name }] }));
      assert.equal(Role?.Arn, `arn:aws:iam::000000000000:role/sdk/${name}`);
      assert.ok(Role?.CreateDate instanceof Date);
    }
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: "sdk-a" }));
    assert.match(Role?.RoleId ?? "", /^AROA[A-Z2-7]{17}$/);
    assert.deepEqual(JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? "")), JSON.parse(TRUST));
    assert.deepEqual(Role?.Tags, [{ Key: "k", Value: "sdk-a" }]);

    const listed: string[] = [];
    let pages = 0;
    for await (const page of paginateListRoles({ client: iam, pageSize: 2 }, { PathPrefix: "/sdk/" })) {
      pages++;
      listed.push(...(page.Roles ?? []).map((role) => role.RoleName ?? ""));
    }
    assert.deepEqual(listed, names);
    assert.equal(pages, 3);

    await iam.send(new AttachRolePolicyCommand({ RoleName: "sdk-a", PolicyArn: LAMBDA_BASIC }));
    const conflict = await sdkFailure(iam.send(new DeleteRoleCommand({ RoleName: "sdk-a" })));
    assert.equal(conflict.name, "DeleteConflictException");
    assert.equal(conflict.$metadata.httpStatusCode, 409);
    assert.equal(conflict.message, "Cannot delete entity, must detach all policies first.");
    await iam.send(new DetachRolePolicyCommand({ RoleName: "sdk-a", PolicyArn: LAMBDA_BASIC }));
    for (const name of names) await iam.send(new DeleteRoleCommand({ RoleName: name }));
    const gone = await sdkFailure(iam.send(new GetRoleCommand({ RoleName: "sdk-a" })));
    assert.equal(gone.name, "NoSuchEntityException");
  });

  it("reports EntityAlreadyExists, NoSuchEntity and MalformedPolicyDocument as the SDK's exceptions", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "twice", AssumeRolePolicyDocument: TRUST }));
    const exists = await sdkFailure(iam.send(new CreateRoleCommand({ RoleName: "twice", AssumeRolePolicyDocument: TRUST })));
    assert.equal(exists.name, "EntityAlreadyExistsException");
    assert.equal(exists.$metadata.httpStatusCode, 409);
    assert.equal(exists.message, "Role with name twice already exists.");

    const missing = await sdkFailure(iam.send(new GetRoleCommand({ RoleName: "nobody" })));
    assert.equal(missing.name, "NoSuchEntityException");
    assert.equal(missing.$metadata.httpStatusCode, 404);
    assert.equal(missing.message, "The role with name nobody cannot be found.");

    const malformed = await sdkFailure(iam.send(new CreateRoleCommand({ RoleName: "bad-doc", AssumeRolePolicyDocument: "not json" })));
    assert.equal(malformed.name, "MalformedPolicyDocumentException");
    assert.equal(malformed.$metadata.httpStatusCode, 400);
    assert.equal(malformed.message, "This policy contains invalid Json");

    const invalid = await sdkFailure(iam.send(new CreateRoleCommand({ RoleName: "bad name", AssumeRolePolicyDocument: TRUST })));
    assert.equal(invalid.name, "ValidationError");
    await iam.send(new DeleteRoleCommand({ RoleName: "twice" }));
  });

  it("attaches and detaches AWS managed policies and serves their real documents", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "fn-role", AssumeRolePolicyDocument: TRUST }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "fn-role", PolicyArn: LAMBDA_BASIC }));
    const { AttachedPolicies } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "fn-role" }));
    assert.deepEqual(AttachedPolicies, [{ PolicyName: "AWSLambdaBasicExecutionRole", PolicyArn: LAMBDA_BASIC }]);
    const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: LAMBDA_BASIC }));
    assert.equal(Policy?.AttachmentCount, 1);
    const { PolicyVersion } = await iam.send(new GetPolicyVersionCommand({ PolicyArn: LAMBDA_BASIC, VersionId: Policy?.DefaultVersionId }));
    const document = JSON.parse(decodeURIComponent(PolicyVersion?.Document ?? "")) as { Statement: { Action: string[] }[] };
    assert.deepEqual(document.Statement[0]?.Action, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]);

    const nope = await sdkFailure(iam.send(new AttachRolePolicyCommand({ RoleName: "fn-role", PolicyArn: "arn:aws:iam::aws:policy/Nope" })));
    assert.equal(nope.name, "NoSuchEntityException");
    assert.equal(nope.message, "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.");

    const aws = await iam.send(new ListPoliciesCommand({ Scope: "AWS", MaxItems: 50 }));
    assert.equal(aws.Policies?.length, 50);
    assert.equal(aws.IsTruncated, true);
    assert.ok(aws.Policies?.every((policy) => policy.Arn?.startsWith("arn:aws:iam::aws:policy/")));

    await iam.send(new DetachRolePolicyCommand({ RoleName: "fn-role", PolicyArn: LAMBDA_BASIC }));
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "fn-role" }))).AttachedPolicies, []);
    await iam.send(new DeleteRoleCommand({ RoleName: "fn-role" }));
  });

  it("keeps inline policies and customer managed policy versions", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "inline-role", AssumeRolePolicyDocument: TRUST }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "inline-role", PolicyName: "s3", PolicyDocument: POLICY }));
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: "inline-role", PolicyName: "s3" }));
    assert.equal(decodeURIComponent(inline.PolicyDocument ?? ""), POLICY);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "inline-role", PolicyName: "s3" }));

    const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: "sdk-policy", PolicyDocument: POLICY }));
    const arn = Policy?.Arn ?? "";
    await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: POLICY, SetAsDefault: true }));
    const versions = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    assert.deepEqual(versions.Versions?.map((version) => [version.VersionId, version.IsDefaultVersion]), [["v2", true], ["v1", false]]);
    await iam.send(new AttachRolePolicyCommand({ RoleName: "inline-role", PolicyArn: arn }));
    const attached = await sdkFailure(iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
    assert.equal(attached.name, "DeleteConflictException");
    const local = await iam.send(new ListPoliciesCommand({ Scope: "Local", OnlyAttached: true }));
    assert.deepEqual(local.Policies?.map((policy) => [policy.PolicyName, policy.AttachmentCount]), [["sdk-policy", 1]]);
    await iam.send(new DetachRolePolicyCommand({ RoleName: "inline-role", PolicyArn: arn }));
    await iam.send(new DeleteRoleCommand({ RoleName: "inline-role" }));
  });

  it("runs an instance profile's life: one role, LimitExceeded, DeleteConflict", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "ec2-a", AssumeRolePolicyDocument: TRUST }));
    await iam.send(new CreateRoleCommand({ RoleName: "ec2-b", AssumeRolePolicyDocument: TRUST }));
    const created = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "web-profile" }));
    assert.match(created.InstanceProfile?.InstanceProfileId ?? "", /^AIPA/);
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "web-profile", RoleName: "ec2-a" }));
    const limit = await sdkFailure(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "web-profile", RoleName: "ec2-b" })));
    assert.equal(limit.name, "LimitExceededException");
    assert.equal(limit.$metadata.httpStatusCode, 409);
    const { InstanceProfile } = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "web-profile" }));
    assert.deepEqual(InstanceProfile?.Roles?.map((role) => role.RoleName), ["ec2-a"]);
    const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: "ec2-a" }));
    assert.deepEqual(forRole.InstanceProfiles?.map((profile) => profile.InstanceProfileName), ["web-profile"]);
    assert.equal((await sdkFailure(iam.send(new DeleteRoleCommand({ RoleName: "ec2-a" })))).name, "DeleteConflictException");
    assert.equal((await sdkFailure(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "web-profile" })))).name, "DeleteConflictException");
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "web-profile", RoleName: "ec2-a" }));
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "web-profile" }));
    const gone = await sdkFailure(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "web-profile" })));
    assert.equal(gone.name, "NoSuchEntityException");
    assert.equal(gone.message, "Instance Profile web-profile cannot be found.");
    for (const name of ["ec2-a", "ec2-b"]) await iam.send(new DeleteRoleCommand({ RoleName: name }));
  });

  it("keeps roles and attachments across a restart", async () => {
    const data = tempDataDir();
    try {
      const first = await startStratus({ dataDir: data.dir });
      const client = new IAMClient(clientConfig(first.endpoint));
      await client.send(new CreateRoleCommand({ RoleName: "durable", AssumeRolePolicyDocument: TRUST }));
      await client.send(new AttachRolePolicyCommand({ RoleName: "durable", PolicyArn: LAMBDA_BASIC }));
      client.destroy();
      await first.kill();
      const second = await startStratus({ dataDir: data.dir });
      const again = new IAMClient(clientConfig(second.endpoint));
      const { AttachedPolicies } = await again.send(new ListAttachedRolePoliciesCommand({ RoleName: "durable" }));
      assert.deepEqual(AttachedPolicies?.map((policy) => policy.PolicyArn), [LAMBDA_BASIC]);
      again.destroy();
      await second.stop();
    } finally {
      data.remove();
    }
  });
});

/** Runs `aws iam …` against the server; resolves with parsed JSON output, or the failure's stderr. */
async function awsCli(...args: string[]): Promise<{ ok: true; json: unknown } | { ok: false; stderr: string }> {
  try {
    const { stdout } = await run("aws", ["--endpoint-url", server.endpoint, "--output", "json", ...args], { env: cliEnv(server.endpoint) });
    return { ok: true, json: stdout.trim() ? (JSON.parse(stdout) as unknown) : {} };
  } catch (error) {
    return { ok: false, stderr: String((error as { stderr?: string }).stderr ?? error) };
  }
}

async function cliOk(...args: string[]): Promise<Record<string, unknown>> {
  const result = await awsCli(...args);
  if (!result.ok) assert.fail(`aws ${args.join(" ")} failed: ${result.stderr}`);
  return result.json as Record<string, unknown>;
}

async function cliError(...args: string[]): Promise<string> {
  const result = await awsCli(...args);
  if (result.ok) assert.fail(`aws ${args.join(" ")} should have failed`);
  return result.stderr;
}

describe("IAM through the AWS CLI", () => {
  it("creates and reads roles (the CLI decodes policy documents), attaches policies, reports errors", async () => {
    const created = await cliOk("iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", TRUST);
    const role = created["Role"] as { Arn: string };
    assert.equal(role.Arn, "arn:aws:iam::000000000000:role/cli-role");
    const got = await cliOk("iam", "get-role", "--role-name", "cli-role");
    assert.deepEqual((got["Role"] as { AssumeRolePolicyDocument: unknown }).AssumeRolePolicyDocument, JSON.parse(TRUST));

    await cliOk("iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "p", "--policy-document", POLICY);
    const inline = await cliOk("iam", "get-role-policy", "--role-name", "cli-role", "--policy-name", "p");
    assert.deepEqual(inline["PolicyDocument"], JSON.parse(POLICY));
    await cliOk("iam", "delete-role-policy", "--role-name", "cli-role", "--policy-name", "p");

    await cliOk("iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", LAMBDA_BASIC);
    const attached = await cliOk("iam", "list-attached-role-policies", "--role-name", "cli-role");
    assert.deepEqual(attached["AttachedPolicies"], [{ PolicyName: "AWSLambdaBasicExecutionRole", PolicyArn: LAMBDA_BASIC }]);
    assert.match(await cliError("iam", "delete-role", "--role-name", "cli-role"), /\(DeleteConflict\).*must detach all policies first/);
    await cliOk("iam", "detach-role-policy", "--role-name", "cli-role", "--policy-arn", LAMBDA_BASIC);

    assert.match(await cliError("iam", "create-role", "--role-name", "cli-role", "--assume-role-policy-document", TRUST), /\(EntityAlreadyExists\).*Role with name cli-role already exists\./);
    assert.match(await cliError("iam", "get-role", "--role-name", "cli-missing"), /\(NoSuchEntity\).*The role with name cli-missing cannot be found\./);
    assert.match(await cliError("iam", "create-role", "--role-name", "cli-bad", "--assume-role-policy-document", "{oops"), /\(MalformedPolicyDocument\)/);
    assert.match(
      await cliError("iam", "attach-role-policy", "--role-name", "cli-role", "--policy-arn", "arn:aws:iam::aws:policy/Nope"),
      /\(NoSuchEntity\).*Policy arn:aws:iam::aws:policy\/Nope does not exist or is not attachable\./,
    );
    await cliOk("iam", "delete-role", "--role-name", "cli-role");
  });

  it("pages list-roles and instance profiles", async () => {
    // Set-up and clean-up through the SDK: each CLI call costs a Python start-up.
    for (const name of ["cli-p1", "cli-p2", "cli-p3"]) await iam.send(new CreateRoleCommand({ RoleName: name, Path: "/cli/", AssumeRolePolicyDocument: TRUST }));
    // The CLI follows Marker itself; --page-size 1 makes it do so twice.
    const all = await cliOk("iam", "list-roles", "--path-prefix", "/cli/", "--page-size", "1");
    assert.deepEqual((all["Roles"] as { RoleName: string }[]).map((role) => role.RoleName), ["cli-p1", "cli-p2", "cli-p3"]);
    const first = await cliOk("iam", "list-roles", "--path-prefix", "/cli/", "--max-items", "2");
    assert.equal((first["Roles"] as unknown[]).length, 2);
    assert.equal(typeof first["NextToken"], "string");

    await cliOk("iam", "create-instance-profile", "--instance-profile-name", "cli-ip");
    await cliOk("iam", "add-role-to-instance-profile", "--instance-profile-name", "cli-ip", "--role-name", "cli-p1");
    assert.match(await cliError("iam", "add-role-to-instance-profile", "--instance-profile-name", "cli-ip", "--role-name", "cli-p2"), /\(LimitExceeded\)/);
    const profile = await cliOk("iam", "get-instance-profile", "--instance-profile-name", "cli-ip");
    assert.deepEqual(((profile["InstanceProfile"] as { Roles: { RoleName: string }[] }).Roles).map((role) => role.RoleName), ["cli-p1"]);
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "cli-ip", RoleName: "cli-p1" }));
    await cliOk("iam", "delete-instance-profile", "--instance-profile-name", "cli-ip");
    for (const name of ["cli-p1", "cli-p2", "cli-p3"]) await iam.send(new DeleteRoleCommand({ RoleName: name }));
  });
});
