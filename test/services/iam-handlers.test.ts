/** IAM handlers called directly: real behaviour and every error path, with a memory-only store (and one on-disk check). */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { IamOperations } from "../../src/generated/iam.ts";
import { iamService } from "../../src/services/iam/index.ts";
import { accountForAccessKey } from "../../src/services/sts/credentials.ts";
import { RecordDatabase } from "../../src/state/database.ts";
import { StateStore } from "../../src/state/state-store.ts";
import { rejectsWithAwsError as rejects } from "../support/assertions.ts";
import { caller, makeContext } from "./handler-context.ts";

const call = caller<IamOperations>(iamService);
const iamContext = (options: { account?: string; state?: StateStore; accessKeyId?: string } = {}) => makeContext({ service: "iam", ...options });

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
const LAMBDA_BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

describe("IAM roles", () => {
  it("creates a role as IAM does: AROA id, ARN with path, encoded trust policy, defaults", async () => {
    const ctx = iamContext({ account: "123456789012" });
    const { Role } = await call("CreateRole", { RoleName: "app", Path: "/svc/", AssumeRolePolicyDocument: TRUST, Description: "d", Tags: [{ Key: "team", Value: "a" }] }, ctx);
    assert.ok(Role);
    assert.match(Role.RoleId ?? "", /^AROA[A-Z2-7]{17}$/);
    assert.equal(Role.Arn, "arn:aws:iam::123456789012:role/svc/app");
    assert.equal(Role.Path, "/svc/");
    assert.equal(Role.MaxSessionDuration, 3600);
    assert.equal(decodeURIComponent(Role.AssumeRolePolicyDocument ?? ""), TRUST);
    assert.ok(Role.CreateDate instanceof Date && !Number.isNaN(Role.CreateDate.getTime()));
    assert.deepEqual(Role.Tags, [{ Key: "team", Value: "a" }]);

    const got = await call("GetRole", { RoleName: "APP" }, ctx);
    assert.equal(got.Role?.RoleName, "app", "names are looked up without case");
    assert.deepEqual(got.Role?.RoleLastUsed, {});
    assert.equal(got.Role?.Description, "d");
  });

  it("rejects duplicates, bad names, paths, durations, documents and boundaries", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "dup", AssumeRolePolicyDocument: TRUST }, ctx);
    await rejects(call("CreateRole", { RoleName: "DUP", AssumeRolePolicyDocument: TRUST }, ctx), "EntityAlreadyExists", 409, "Role with name DUP already exists.");
    await rejects(call("CreateRole", { RoleName: "x", AssumeRolePolicyDocument: "{not json" }, ctx), "MalformedPolicyDocument", 400, "This policy contains invalid Json");
    await rejects(
      call("CreateRole", { RoleName: "x", AssumeRolePolicyDocument: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] }) }, ctx),
      "MalformedPolicyDocument",
      400,
      "Missing required field Principal",
    );
    await rejects(call("CreateRole", { RoleName: "bad name", AssumeRolePolicyDocument: TRUST }, ctx), "ValidationError", 400, /at 'roleName' failed to satisfy constraint/);
    await rejects(call("CreateRole", { RoleName: "a".repeat(65), AssumeRolePolicyDocument: TRUST }, ctx), "ValidationError", 400, /length less than or equal to 64/);
    await rejects(call("CreateRole", { RoleName: "x", Path: "nope", AssumeRolePolicyDocument: TRUST }, ctx), "ValidationError", 400, /must begin and end with \//);
    await rejects(call("CreateRole", { RoleName: "x", MaxSessionDuration: 100, AssumeRolePolicyDocument: TRUST }, ctx), "ValidationError", 400, /greater than or equal to 3600/);
    await rejects(
      call("CreateRole", { RoleName: "x", AssumeRolePolicyDocument: TRUST, PermissionsBoundary: "arn:aws:iam::aws:policy/Nope" }, ctx),
      "NoSuchEntity",
      404,
      "Scope ARN: arn:aws:iam::aws:policy/Nope does not exist or is not attachable.",
    );
    await rejects(call("GetRole", { RoleName: "ghost" }, ctx), "NoSuchEntity", 404, "The role with name ghost cannot be found.");
  });

  it("lists roles by path prefix, a page at a time", async () => {
    const ctx = iamContext();
    for (const name of ["e", "b", "d", "a", "c"]) await call("CreateRole", { RoleName: name, AssumeRolePolicyDocument: TRUST }, ctx);
    await call("CreateRole", { RoleName: "other", Path: "/ops/", AssumeRolePolicyDocument: TRUST }, ctx);

    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await call("ListRoles", { MaxItems: 2, PathPrefix: "/", ...(marker ? { Marker: marker } : {}) }, ctx);
      names.push(...(page.Roles ?? []).map((role) => role.RoleName ?? ""));
      assert.equal(page.IsTruncated, page.Marker !== undefined);
      marker = page.Marker;
      pages++;
    } while (marker);
    assert.deepEqual(names, ["a", "b", "c", "d", "e", "other"]);
    assert.equal(pages, 3);

    const ops = await call("ListRoles", { PathPrefix: "/ops/" }, ctx);
    assert.deepEqual(ops.Roles?.map((role) => role.RoleName), ["other"]);
    assert.equal(ops.IsTruncated, false);
    assert.equal(ops.Roles?.[0]?.Tags, undefined, "ListRoles leaves tags out");
    await rejects(call("ListRoles", { MaxItems: 0 }, ctx), "ValidationError", 400, /maxItems/);
    await rejects(call("ListRoles", { Marker: "garbage!" }, ctx), "InvalidInput", 400);
  });

  it("updates description, session duration and trust policy", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST }, ctx);
    await call("UpdateRole", { RoleName: "r", Description: "new", MaxSessionDuration: 7200 }, ctx);
    const updated = await call("UpdateRoleDescription", { RoleName: "r", Description: "newer" }, ctx);
    assert.equal(updated.Role?.Description, "newer");
    const other = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] });
    await call("UpdateAssumeRolePolicy", { RoleName: "r", PolicyDocument: other }, ctx);
    const { Role } = await call("GetRole", { RoleName: "r" }, ctx);
    assert.equal(Role?.MaxSessionDuration, 7200);
    assert.equal(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ""), other);
    await rejects(call("UpdateAssumeRolePolicy", { RoleName: "r", PolicyDocument: "[]" }, ctx), "MalformedPolicyDocument", 400);
    await rejects(call("UpdateRole", { RoleName: "ghost" }, ctx), "NoSuchEntity", 404);
  });

  it("tags and untags roles (keys without case), refusing duplicates", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "t", AssumeRolePolicyDocument: TRUST, Tags: [{ Key: "Env", Value: "dev" }] }, ctx);
    await call("TagRole", { RoleName: "t", Tags: [{ Key: "env", Value: "prod" }, { Key: "b", Value: "1" }] }, ctx);
    assert.deepEqual((await call("ListRoleTags", { RoleName: "t" }, ctx)).Tags, [
      { Key: "b", Value: "1" },
      { Key: "env", Value: "prod" },
    ]);
    await call("UntagRole", { RoleName: "t", TagKeys: ["ENV"] }, ctx);
    assert.deepEqual((await call("ListRoleTags", { RoleName: "t" }, ctx)).Tags, [{ Key: "b", Value: "1" }]);
    await rejects(
      call("TagRole", { RoleName: "t", Tags: [{ Key: "k", Value: "1" }, { Key: "K", Value: "2" }] }, ctx),
      "InvalidInput",
      400,
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
  });

  it("refuses to delete a role that still has policies or an instance profile", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "busy", AssumeRolePolicyDocument: TRUST }, ctx);
    await call("AttachRolePolicy", { RoleName: "busy", PolicyArn: LAMBDA_BASIC }, ctx);
    await rejects(call("DeleteRole", { RoleName: "busy" }, ctx), "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.");
    await call("DetachRolePolicy", { RoleName: "busy", PolicyArn: LAMBDA_BASIC }, ctx);

    await call("PutRolePolicy", { RoleName: "busy", PolicyName: "inline", PolicyDocument: POLICY }, ctx);
    await rejects(call("DeleteRole", { RoleName: "busy" }, ctx), "DeleteConflict", 409, "Cannot delete entity, must delete policies first.");
    await call("DeleteRolePolicy", { RoleName: "busy", PolicyName: "inline" }, ctx);

    await call("CreateInstanceProfile", { InstanceProfileName: "ip" }, ctx);
    await call("AddRoleToInstanceProfile", { InstanceProfileName: "ip", RoleName: "busy" }, ctx);
    await rejects(call("DeleteRole", { RoleName: "busy" }, ctx), "DeleteConflict", 409, "Cannot delete entity, must remove roles from instance profile first.");
    await call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "ip", RoleName: "busy" }, ctx);

    await call("DeleteRole", { RoleName: "busy" }, ctx);
    await rejects(call("GetRole", { RoleName: "busy" }, ctx), "NoSuchEntity", 404);
    await rejects(call("DeleteRole", { RoleName: "busy" }, ctx), "NoSuchEntity", 404, "The role with name busy cannot be found.");
  });

  it("keeps each account's roles apart and survives a restart on disk", async () => {
    const state = new StateStore(undefined);
    await call("CreateRole", { RoleName: "mine", AssumeRolePolicyDocument: TRUST }, iamContext({ account: "111111111111", state }));
    await rejects(call("GetRole", { RoleName: "mine" }, iamContext({ account: "222222222222", state })), "NoSuchEntity", 404);

    const dir = mkdtempSync(join(tmpdir(), "stratus-iam-"));
    try {
      const first = new StateStore(new RecordDatabase(dir));
      await call("CreateRole", { RoleName: "kept", AssumeRolePolicyDocument: TRUST }, iamContext({ state: first }));
      await call("AttachRolePolicy", { RoleName: "kept", PolicyArn: LAMBDA_BASIC }, iamContext({ state: first }));
      first.close();
      const second = new StateStore(new RecordDatabase(dir));
      const listed = await call("ListAttachedRolePolicies", { RoleName: "kept" }, iamContext({ state: second }));
      assert.deepEqual(listed.AttachedPolicies, [{ PolicyName: "AWSLambdaBasicExecutionRole", PolicyArn: LAMBDA_BASIC }]);
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("IAM inline role policies", () => {
  it("puts, gets (URL-encoded), lists and deletes", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST }, ctx);
    const pretty = JSON.stringify(JSON.parse(POLICY), null, 2);
    await call("PutRolePolicy", { RoleName: "r", PolicyName: "p2", PolicyDocument: POLICY }, ctx);
    await call("PutRolePolicy", { RoleName: "r", PolicyName: "p1", PolicyDocument: pretty }, ctx);
    const got = await call("GetRolePolicy", { RoleName: "r", PolicyName: "p1" }, ctx);
    assert.equal(got.RoleName, "r");
    assert.equal(got.PolicyDocument, encodeURIComponent(pretty), "IAM keeps the text and URL-encodes it");
    assert.deepEqual((await call("ListRolePolicies", { RoleName: "r" }, ctx)).PolicyNames, ["p1", "p2"]);
    await call("DeleteRolePolicy", { RoleName: "r", PolicyName: "p1" }, ctx);
    await rejects(call("GetRolePolicy", { RoleName: "r", PolicyName: "p1" }, ctx), "NoSuchEntity", 404, "The role policy with name p1 cannot be found.");
    await rejects(call("DeleteRolePolicy", { RoleName: "r", PolicyName: "p1" }, ctx), "NoSuchEntity", 404);
    await rejects(call("PutRolePolicy", { RoleName: "ghost", PolicyName: "p", PolicyDocument: POLICY }, ctx), "NoSuchEntity", 404);
  });

  it("rejects documents that are not permission policies", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST }, ctx);
    await rejects(call("PutRolePolicy", { RoleName: "r", PolicyName: "p", PolicyDocument: "nope" }, ctx), "MalformedPolicyDocument", 400, "Syntax errors in policy.");
    await rejects(call("PutRolePolicy", { RoleName: "r", PolicyName: "p", PolicyDocument: TRUST }, ctx), "MalformedPolicyDocument", 400, "Policy document should not specify a principal.");
    const badVersion = JSON.stringify({ Version: "2020-01-01", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    await rejects(call("PutRolePolicy", { RoleName: "r", PolicyName: "p", PolicyDocument: badVersion }, ctx), "MalformedPolicyDocument", 400, "The policy failed legacy parsing");
    const huge = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: Array.from({ length: 600 }, (_, i) => `arn:aws:s3:::b${i}`) }] });
    await rejects(call("PutRolePolicy", { RoleName: "r", PolicyName: "p", PolicyDocument: huge }, ctx), "LimitExceeded", 409, /Maximum policy size of 10240 bytes exceeded for role r/);
  });
});

describe("IAM managed policies", () => {
  it("attaches real AWS managed policies and serves their documents", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "fn", AssumeRolePolicyDocument: TRUST }, ctx);
    await call("AttachRolePolicy", { RoleName: "fn", PolicyArn: LAMBDA_BASIC }, ctx);
    await call("AttachRolePolicy", { RoleName: "fn", PolicyArn: LAMBDA_BASIC }, ctx);
    const attached = await call("ListAttachedRolePolicies", { RoleName: "fn" }, ctx);
    assert.deepEqual(attached.AttachedPolicies, [{ PolicyName: "AWSLambdaBasicExecutionRole", PolicyArn: LAMBDA_BASIC }]);
    assert.equal((await call("ListAttachedRolePolicies", { RoleName: "fn", PathPrefix: "/other/" }, ctx)).AttachedPolicies?.length, 0);

    const { Policy } = await call("GetPolicy", { PolicyArn: LAMBDA_BASIC }, ctx);
    assert.equal(Policy?.PolicyName, "AWSLambdaBasicExecutionRole");
    assert.equal(Policy?.Path, "/service-role/");
    assert.equal(Policy?.AttachmentCount, 1);
    assert.equal(Policy?.IsAttachable, true);
    assert.match(Policy?.PolicyId ?? "", /^ANPA[A-Z2-7]{17}$/);
    const version = await call("GetPolicyVersion", { PolicyArn: LAMBDA_BASIC, VersionId: Policy?.DefaultVersionId ?? "" }, ctx);
    const document = JSON.parse(decodeURIComponent(version.PolicyVersion?.Document ?? "")) as { Statement: { Action: string[] }[] };
    assert.ok(document.Statement[0]?.Action.includes("logs:CreateLogGroup"));
    assert.equal(version.PolicyVersion?.IsDefaultVersion, true);
    const versions = await call("ListPolicyVersions", { PolicyArn: LAMBDA_BASIC }, ctx);
    assert.equal(versions.Versions?.length, 1);

    await call("DetachRolePolicy", { RoleName: "fn", PolicyArn: LAMBDA_BASIC }, ctx);
    assert.equal((await call("GetPolicy", { PolicyArn: LAMBDA_BASIC }, ctx)).Policy?.AttachmentCount, 0);
    await rejects(call("DetachRolePolicy", { RoleName: "fn", PolicyArn: LAMBDA_BASIC }, ctx), "NoSuchEntity", 404, `Policy ${LAMBDA_BASIC} was not found.`);
  });

  it("fails for made-up, malformed and unattachable ARNs as IAM does", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "fn", AssumeRolePolicyDocument: TRUST }, ctx);
    const nope = "arn:aws:iam::aws:policy/Nope";
    await rejects(call("AttachRolePolicy", { RoleName: "fn", PolicyArn: nope }, ctx), "NoSuchEntity", 404, `Policy ${nope} does not exist or is not attachable.`);
    await rejects(call("GetPolicy", { PolicyArn: nope }, ctx), "NoSuchEntity", 404, `Policy ${nope} was not found.`);
    await rejects(call("AttachRolePolicy", { RoleName: "fn", PolicyArn: "arn:aws:s3:::not-a-policy" }, ctx), "InvalidInput", 400, "ARN arn:aws:s3:::not-a-policy is not valid.");
    await rejects(call("AttachRolePolicy", { RoleName: "ghost", PolicyArn: LAMBDA_BASIC }, ctx), "NoSuchEntity", 404, "The role with name ghost cannot be found.");
    await rejects(call("GetPolicyVersion", { PolicyArn: LAMBDA_BASIC, VersionId: "v99" }, ctx), "NoSuchEntity", 404);
    await rejects(call("GetPolicyVersion", { PolicyArn: LAMBDA_BASIC, VersionId: "1" }, ctx), "ValidationError", 400);
    await rejects(call("DeletePolicy", { PolicyArn: LAMBDA_BASIC }, ctx), "AccessDenied", 403);
  });

  it("caps attachments per role at IAM's quota", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "many", AssumeRolePolicyDocument: TRUST }, ctx);
    const list = await call("ListPolicies", { Scope: "AWS", MaxItems: 11 }, ctx);
    const arns = (list.Policies ?? []).map((policy) => policy.Arn ?? "");
    for (const arn of arns.slice(0, 10)) await call("AttachRolePolicy", { RoleName: "many", PolicyArn: arn }, ctx);
    await rejects(call("AttachRolePolicy", { RoleName: "many", PolicyArn: arns[10] ?? "" }, ctx), "LimitExceeded", 409, "Cannot exceed quota for PoliciesPerRole: 10");
  });

  it("lists by scope, path, attachment and page", async () => {
    const ctx = iamContext();
    await call("CreatePolicy", { PolicyName: "mine", PolicyDocument: POLICY, Path: "/team/" }, ctx);
    let total = 0;
    let marker: string | undefined;
    do {
      const page = await call("ListPolicies", { Scope: "AWS", MaxItems: 1000, ...(marker ? { Marker: marker } : {}) }, ctx);
      total += page.Policies?.length ?? 0;
      marker = page.Marker;
    } while (marker);
    assert.equal(total, 1485);
    const local = await call("ListPolicies", { Scope: "Local" }, ctx);
    assert.deepEqual(local.Policies?.map((policy) => policy.PolicyName), ["mine"]);
    assert.equal(local.Policies?.[0]?.Description, undefined);
    const serviceRoles = await call("ListPolicies", { PathPrefix: "/service-role/", MaxItems: 1000 }, ctx);
    assert.ok((serviceRoles.Policies ?? []).some((policy) => policy.Arn === LAMBDA_BASIC));
    assert.ok((serviceRoles.Policies ?? []).every((policy) => policy.Path?.startsWith("/service-role/")));
    assert.equal((await call("ListPolicies", { OnlyAttached: true }, ctx)).Policies?.length, 0);
    await call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST }, ctx);
    await call("AttachRolePolicy", { RoleName: "r", PolicyArn: LAMBDA_BASIC }, ctx);
    const attached = await call("ListPolicies", { OnlyAttached: true }, ctx);
    assert.deepEqual(attached.Policies?.map((policy) => policy.Arn), [LAMBDA_BASIC]);
    const entities = await call("ListEntitiesForPolicy", { PolicyArn: LAMBDA_BASIC }, ctx);
    assert.deepEqual(entities.PolicyRoles?.map((role) => role.RoleName), ["r"]);
  });

  it("creates customer managed policies with versions, tags and delete conflicts", async () => {
    const ctx = iamContext({ account: "123456789012" });
    const created = await call("CreatePolicy", { PolicyName: "app", PolicyDocument: POLICY, Description: "desc", Tags: [{ Key: "k", Value: "v" }] }, ctx);
    const arn = created.Policy?.Arn ?? "";
    assert.equal(arn, "arn:aws:iam::123456789012:policy/app");
    assert.equal(created.Policy?.DefaultVersionId, "v1");
    assert.equal(created.Policy?.AttachmentCount, 0);
    await rejects(call("CreatePolicy", { PolicyName: "APP", PolicyDocument: POLICY, Path: "/x/" }, ctx), "EntityAlreadyExists", 409, "A policy called APP already exists. Duplicate names are not allowed.");
    await rejects(call("CreatePolicy", { PolicyName: "bad", PolicyDocument: "{" }, ctx), "MalformedPolicyDocument", 400);
    await rejects(call("GetPolicy", { PolicyArn: "arn:aws:iam::123456789012:policy/missing" }, ctx), "NoSuchEntity", 404, "Policy arn:aws:iam::123456789012:policy/missing was not found.");

    for (let i = 0; i < 4; i++) await call("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: POLICY, SetAsDefault: i === 3 }, ctx);
    await rejects(
      call("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: POLICY }, ctx),
      "LimitExceeded",
      409,
      "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    );
    const versions = await call("ListPolicyVersions", { PolicyArn: arn }, ctx);
    assert.deepEqual(versions.Versions?.map((version) => `${version.VersionId}${version.IsDefaultVersion ? "*" : ""}`), ["v5*", "v4", "v3", "v2", "v1"]);
    assert.equal(versions.Versions?.[0]?.Document, undefined);
    await rejects(call("DeletePolicyVersion", { PolicyArn: arn, VersionId: "v5" }, ctx), "DeleteConflict", 409, "Cannot delete the default version of a policy.");
    await call("SetDefaultPolicyVersion", { PolicyArn: arn, VersionId: "v2" }, ctx);
    assert.equal((await call("GetPolicy", { PolicyArn: arn }, ctx)).Policy?.DefaultVersionId, "v2");
    await rejects(call("SetDefaultPolicyVersion", { PolicyArn: arn, VersionId: "v9" }, ctx), "NoSuchEntity", 404);
    await rejects(call("DeletePolicy", { PolicyArn: arn }, ctx), "DeleteConflict", 409, /more than one version/);
    for (const id of ["v1", "v3", "v4", "v5"]) await call("DeletePolicyVersion", { PolicyArn: arn, VersionId: id }, ctx);
    const next = await call("CreatePolicyVersion", { PolicyArn: arn, PolicyDocument: POLICY }, ctx);
    assert.equal(next.PolicyVersion?.VersionId, "v6", "version numbers are never reused");
    await call("DeletePolicyVersion", { PolicyArn: arn, VersionId: "v6" }, ctx);

    await call("TagPolicy", { PolicyArn: arn, Tags: [{ Key: "k2", Value: "v2" }] }, ctx);
    await call("UntagPolicy", { PolicyArn: arn, TagKeys: ["k"] }, ctx);
    assert.deepEqual((await call("ListPolicyTags", { PolicyArn: arn }, ctx)).Tags, [{ Key: "k2", Value: "v2" }]);
    const got = await call("GetPolicy", { PolicyArn: arn }, ctx);
    assert.equal(got.Policy?.Description, "desc");
    assert.deepEqual(got.Policy?.Tags, [{ Key: "k2", Value: "v2" }]);

    await call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST }, ctx);
    await call("AttachRolePolicy", { RoleName: "r", PolicyArn: arn }, ctx);
    assert.equal((await call("GetPolicy", { PolicyArn: arn }, ctx)).Policy?.AttachmentCount, 1);
    await rejects(call("DeletePolicy", { PolicyArn: arn }, ctx), "DeleteConflict", 409, "Cannot delete a policy attached to entities.");
    await call("DetachRolePolicy", { RoleName: "r", PolicyArn: arn }, ctx);
    await call("DeletePolicy", { PolicyArn: arn }, ctx);
    await rejects(call("GetPolicy", { PolicyArn: arn }, ctx), "NoSuchEntity", 404);
  });

  it("refuses to change AWS managed policies", async () => {
    const ctx = iamContext();
    await rejects(call("CreatePolicyVersion", { PolicyArn: LAMBDA_BASIC, PolicyDocument: POLICY }, ctx), "AccessDenied", 403);
    await rejects(call("TagPolicy", { PolicyArn: LAMBDA_BASIC, Tags: [{ Key: "a", Value: "b" }] }, ctx), "AccessDenied", 403);
  });

  it("uses managed policies as permissions boundaries", async () => {
    const ctx = iamContext();
    await call("CreateRole", { RoleName: "b", AssumeRolePolicyDocument: TRUST, PermissionsBoundary: LAMBDA_BASIC }, ctx);
    assert.equal((await call("GetRole", { RoleName: "b" }, ctx)).Role?.PermissionsBoundary?.PermissionsBoundaryArn, LAMBDA_BASIC);
    assert.equal((await call("GetPolicy", { PolicyArn: LAMBDA_BASIC }, ctx)).Policy?.PermissionsBoundaryUsageCount, 1);
    await call("DeleteRolePermissionsBoundary", { RoleName: "b" }, ctx);
    assert.equal((await call("GetRole", { RoleName: "b" }, ctx)).Role?.PermissionsBoundary, undefined);
    await call("PutRolePermissionsBoundary", { RoleName: "b", PermissionsBoundary: LAMBDA_BASIC }, ctx);
    assert.equal((await call("GetRole", { RoleName: "b" }, ctx)).Role?.PermissionsBoundary?.PermissionsBoundaryType, "PermissionsBoundaryPolicy");
  });
});

describe("IAM instance profiles", () => {
  it("creates, lists, holds one role and refuses deletion while it does", async () => {
    const ctx = iamContext({ account: "123456789012" });
    const { InstanceProfile } = await call("CreateInstanceProfile", { InstanceProfileName: "web", Path: "/ec2/", Tags: [{ Key: "a", Value: "b" }] }, ctx);
    assert.match(InstanceProfile?.InstanceProfileId ?? "", /^AIPA[A-Z2-7]{17}$/);
    assert.equal(InstanceProfile?.Arn, "arn:aws:iam::123456789012:instance-profile/ec2/web");
    assert.deepEqual(InstanceProfile?.Roles, []);
    await rejects(call("CreateInstanceProfile", { InstanceProfileName: "WEB" }, ctx), "EntityAlreadyExists", 409, "Instance Profile WEB already exists.");
    await call("CreateInstanceProfile", { InstanceProfileName: "api" }, ctx);
    await call("CreateInstanceProfile", { InstanceProfileName: "db" }, ctx);

    const first = await call("ListInstanceProfiles", { MaxItems: 2 }, ctx);
    assert.deepEqual(first.InstanceProfiles?.map((profile) => profile.InstanceProfileName), ["api", "db"]);
    assert.equal(first.IsTruncated, true);
    const second = await call("ListInstanceProfiles", { MaxItems: 2, Marker: first.Marker ?? "" }, ctx);
    assert.deepEqual(second.InstanceProfiles?.map((profile) => profile.InstanceProfileName), ["web"]);
    assert.equal(second.IsTruncated, false);
    assert.deepEqual((await call("ListInstanceProfiles", { PathPrefix: "/ec2/" }, ctx)).InstanceProfiles?.map((p) => p.InstanceProfileName), ["web"]);

    await call("CreateRole", { RoleName: "r1", AssumeRolePolicyDocument: TRUST }, ctx);
    await call("CreateRole", { RoleName: "r2", AssumeRolePolicyDocument: TRUST }, ctx);
    await rejects(call("AddRoleToInstanceProfile", { InstanceProfileName: "web", RoleName: "ghost" }, ctx), "NoSuchEntity", 404, "The role with name ghost cannot be found.");
    await rejects(call("AddRoleToInstanceProfile", { InstanceProfileName: "nope", RoleName: "r1" }, ctx), "NoSuchEntity", 404, "Instance Profile nope cannot be found.");
    await call("AddRoleToInstanceProfile", { InstanceProfileName: "web", RoleName: "r1" }, ctx);
    await rejects(
      call("AddRoleToInstanceProfile", { InstanceProfileName: "web", RoleName: "r2" }, ctx),
      "LimitExceeded",
      409,
      "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
    );
    const got = await call("GetInstanceProfile", { InstanceProfileName: "web" }, ctx);
    assert.deepEqual(got.InstanceProfile?.Roles?.map((role) => role.RoleName), ["r1"]);
    assert.deepEqual(got.InstanceProfile?.Tags, [{ Key: "a", Value: "b" }]);
    const forRole = await call("ListInstanceProfilesForRole", { RoleName: "r1" }, ctx);
    assert.deepEqual(forRole.InstanceProfiles?.map((profile) => profile.InstanceProfileName), ["web"]);

    await rejects(call("DeleteInstanceProfile", { InstanceProfileName: "web" }, ctx), "DeleteConflict", 409, "Cannot delete entity, must remove roles from instance profile first.");
    await rejects(call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "web", RoleName: "r2" }, ctx), "NoSuchEntity", 404);
    await call("RemoveRoleFromInstanceProfile", { InstanceProfileName: "web", RoleName: "r1" }, ctx);
    await call("TagInstanceProfile", { InstanceProfileName: "web", Tags: [{ Key: "c", Value: "d" }] }, ctx);
    await call("UntagInstanceProfile", { InstanceProfileName: "web", TagKeys: ["a"] }, ctx);
    assert.deepEqual((await call("ListInstanceProfileTags", { InstanceProfileName: "web" }, ctx)).Tags, [{ Key: "c", Value: "d" }]);
    await call("DeleteInstanceProfile", { InstanceProfileName: "web" }, ctx);
    await rejects(call("GetInstanceProfile", { InstanceProfileName: "web" }, ctx), "NoSuchEntity", 404, "Instance Profile web cannot be found.");
  });
});

describe("IAM service-linked roles", () => {
  it("creates AWSServiceRoleFor… roles with the service's policy, protects them, deletes them as a task", async () => {
    const ctx = iamContext({ account: "123456789012" });
    const { Role } = await call("CreateServiceLinkedRole", { AWSServiceName: "ecs.amazonaws.com" }, ctx);
    assert.equal(Role?.RoleName, "AWSServiceRoleForECS");
    assert.equal(Role?.Arn, "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS");
    const attached = await call("ListAttachedRolePolicies", { RoleName: "AWSServiceRoleForECS" }, ctx);
    assert.deepEqual(attached.AttachedPolicies?.map((policy) => policy.PolicyArn), ["arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy"]);
    await rejects(
      call("CreateServiceLinkedRole", { AWSServiceName: "ecs.amazonaws.com" }, ctx),
      "InvalidInput",
      400,
      "Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.",
    );
    await rejects(call("DeleteRole", { RoleName: "AWSServiceRoleForECS" }, ctx), "UnmodifiableEntity", 400, /protected role 'AWSServiceRoleForECS'/);
    const suffixed = await call("CreateServiceLinkedRole", { AWSServiceName: "autoscaling.amazonaws.com", CustomSuffix: "web" }, ctx);
    assert.equal(suffixed.Role?.RoleName, "AWSServiceRoleForAutoScaling_web");
    const { DeletionTaskId } = await call("DeleteServiceLinkedRole", { RoleName: "AWSServiceRoleForECS" }, ctx);
    assert.match(DeletionTaskId ?? "", /^task\/aws-service-role\/ecs\.amazonaws\.com\/AWSServiceRoleForECS\//);
    assert.equal((await call("GetServiceLinkedRoleDeletionStatus", { DeletionTaskId: DeletionTaskId ?? "" }, ctx)).Status, "SUCCEEDED");
    await rejects(call("GetRole", { RoleName: "AWSServiceRoleForECS" }, ctx), "NoSuchEntity", 404);
  });
});

describe("IAM users and access keys", () => {
  it("creates users, their keys (accepted by Stratus) and refuses deletion while keys or policies remain", async () => {
    const state = new StateStore(undefined);
    const ctx = iamContext({ account: "123456789012", state });
    const { User } = await call("CreateUser", { UserName: "alice", Path: "/dev/" }, ctx);
    assert.match(User?.UserId ?? "", /^AIDA[A-Z2-7]{17}$/);
    assert.equal(User?.Arn, "arn:aws:iam::123456789012:user/dev/alice");
    await rejects(call("CreateUser", { UserName: "Alice" }, ctx), "EntityAlreadyExists", 409, "User with name Alice already exists.");
    await rejects(call("GetUser", { UserName: "bob" }, ctx), "NoSuchEntity", 404, "The user with name bob cannot be found.");

    const { AccessKey } = await call("CreateAccessKey", { UserName: "alice" }, ctx);
    assert.match(AccessKey?.AccessKeyId ?? "", /^AKIA[A-Z2-7]{16}$/);
    assert.equal(AccessKey?.SecretAccessKey?.length, 40);
    assert.equal(accountForAccessKey(state, AccessKey?.AccessKeyId ?? ""), "123456789012");
    const asAlice = iamContext({ account: "123456789012", state, accessKeyId: AccessKey?.AccessKeyId ?? "" });
    assert.equal((await call("GetUser", {}, asAlice)).User?.UserName, "alice");
    assert.equal((await call("GetUser", {}, ctx)).User?.Arn, "arn:aws:iam::123456789012:root");
    await call("CreateAccessKey", { UserName: "alice" }, ctx);
    await rejects(call("CreateAccessKey", { UserName: "alice" }, ctx), "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2");
    assert.equal((await call("ListAccessKeys", { UserName: "alice" }, ctx)).AccessKeyMetadata?.length, 2);
    await call("UpdateAccessKey", { UserName: "alice", AccessKeyId: AccessKey?.AccessKeyId ?? "", Status: "Inactive" }, ctx);

    await call("AttachUserPolicy", { UserName: "alice", PolicyArn: LAMBDA_BASIC }, ctx);
    await call("PutUserPolicy", { UserName: "alice", PolicyName: "p", PolicyDocument: POLICY }, ctx);
    assert.equal((await call("GetUserPolicy", { UserName: "alice", PolicyName: "p" }, ctx)).PolicyDocument, encodeURIComponent(POLICY));
    await rejects(call("DeleteUser", { UserName: "alice" }, ctx), "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.");
    await call("DetachUserPolicy", { UserName: "alice", PolicyArn: LAMBDA_BASIC }, ctx);
    await rejects(call("DeleteUser", { UserName: "alice" }, ctx), "DeleteConflict", 409, "Cannot delete entity, must delete policies first.");
    await call("DeleteUserPolicy", { UserName: "alice", PolicyName: "p" }, ctx);
    await rejects(call("DeleteUser", { UserName: "alice" }, ctx), "DeleteConflict", 409, "Cannot delete entity, must delete access keys first.");

    await call("UpdateUser", { UserName: "alice", NewUserName: "alice2" }, ctx);
    for (const key of (await call("ListAccessKeys", { UserName: "alice2" }, ctx)).AccessKeyMetadata ?? []) {
      await call("DeleteAccessKey", { UserName: "alice2", AccessKeyId: key.AccessKeyId ?? "" }, ctx);
    }
    assert.equal(accountForAccessKey(state, AccessKey?.AccessKeyId ?? ""), undefined, "deleted keys are no longer accepted");
    await rejects(call("DeleteAccessKey", { AccessKeyId: AccessKey?.AccessKeyId ?? "" }, ctx), "NoSuchEntity", 404);
    assert.deepEqual((await call("ListUsers", {}, ctx)).Users?.map((user) => user.UserName), ["alice2"]);
    await call("DeleteUser", { UserName: "alice2" }, ctx);
    assert.deepEqual((await call("ListUsers", {}, ctx)).Users, []);
  });
});
