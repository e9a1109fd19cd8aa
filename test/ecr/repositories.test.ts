/** ECR repositories through the SDK: create/describe/delete with AWS's errors, paging, policies, settings, tags and tokens. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  BatchGetRepositoryScanningConfigurationCommand, CreateRepositoryCommand, DeleteRegistryPolicyCommand, DeleteRepositoryCommand, GetRegistryPolicyCommand,
  GetRegistryScanningConfigurationCommand, PutRegistryPolicyCommand, DeleteRepositoryPolicyCommand, DescribeRegistryCommand, DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand, GetRepositoryPolicyCommand, ListTagsForResourceCommand, PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand, SetRepositoryPolicyCommand, TagResourceCommand, UntagResourceCommand,
} from "@aws-sdk/client-ecr";
import { ecrFixture, pushImage, sdkFailure, type EcrFixture } from "./support.ts";

let fx: EcrFixture;
before(async () => {
  fx = await ecrFixture();
});
after(async () => fx.close());

const POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Sid: "pull", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: ["ecr:BatchGetImage"] }],
});

describe("ECR repositories", () => {
  it("creates a repository with its settings, URI on the called endpoint and ARN as AWS forms them", async () => {
    const { repository } = await fx.ecr.send(
      new CreateRepositoryCommand({
        repositoryName: "team/app",
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: { encryptionType: "KMS" },
        tags: [{ Key: "env", Value: "dev" }],
      }),
    );
    assert.equal(repository?.repositoryArn, "arn:aws:ecr:us-east-1:000000000000:repository/team/app");
    assert.equal(repository?.registryId, "000000000000");
    assert.equal(repository?.repositoryUri, `127.0.0.1:${fx.server.port}/team/app`);
    assert.equal(repository?.imageTagMutability, "IMMUTABLE");
    assert.equal(repository?.imageScanningConfiguration?.scanOnPush, true);
    assert.equal(repository?.encryptionConfiguration?.encryptionType, "KMS");
    assert.match(repository?.encryptionConfiguration?.kmsKey ?? "", /^arn:aws:kms:us-east-1:000000000000:/);
    assert.ok(repository?.createdAt instanceof Date);
    const { tags } = await fx.ecr.send(new ListTagsForResourceCommand({ resourceArn: repository?.repositoryArn }));
    assert.deepEqual(tags, [{ Key: "env", Value: "dev" }]);
  });

  it("refuses duplicates and invalid names with ECR's exceptions", async () => {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "dup" }));
    const dup = await sdkFailure(fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "dup" })));
    assert.equal(dup.name, "RepositoryAlreadyExistsException");
    assert.equal(dup.message, "The repository with name 'dup' already exists in the registry with id '000000000000'");
    for (const bad of ["UPPER", "a", "trailing/", "double//slash", "-lead", "a__b"]) {
      const invalid = await sdkFailure(fx.ecr.send(new CreateRepositoryCommand({ repositoryName: bad })));
      assert.equal(invalid.name, "InvalidParameterException", bad);
    }
    const mutability = await sdkFailure(fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "m", imageTagMutability: "SOMETIMES" as "MUTABLE" })));
    assert.equal(mutability.name, "InvalidParameterException");
    const reserved = await sdkFailure(fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "tagged", tags: [{ Key: "aws:x", Value: "1" }] })));
    assert.equal(reserved.name, "InvalidTagParameterException");
  });

  it("describes by name and pages through all repositories", async () => {
    for (const name of ["page/a", "page/b", "page/c"]) await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    const named = await fx.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["page/b", "page/a"] }));
    assert.deepEqual(named.repositories?.map((r) => r.repositoryName), ["page/b", "page/a"]);
    const missing = await sdkFailure(fx.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["page/a", "nope"] })));
    assert.equal(missing.name, "RepositoryNotFoundException");
    assert.equal(missing.message, "The repository with name 'nope' does not exist in the registry with id '000000000000'");
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await fx.ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken }));
      assert.ok((page.repositories?.length ?? 0) <= 2);
      seen.push(...(page.repositories ?? []).map((r) => r.repositoryName ?? ""));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.ok(pages >= 2);
    for (const name of ["page/a", "page/b", "page/c", "team/app"]) assert.ok(seen.includes(name), name);
    assert.equal(new Set(seen).size, seen.length);
    const badToken = await sdkFailure(fx.ecr.send(new DescribeRepositoriesCommand({ nextToken: "garbage" })));
    assert.equal(badToken.name, "InvalidParameterException");
  });

  it("refuses to delete a repository with images unless forced", async () => {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "full" }));
    await pushImage(fx.ecr, "full", "v1");
    const notEmpty = await sdkFailure(fx.ecr.send(new DeleteRepositoryCommand({ repositoryName: "full" })));
    assert.equal(notEmpty.name, "RepositoryNotEmptyException");
    const { repository } = await fx.ecr.send(new DeleteRepositoryCommand({ repositoryName: "full", force: true }));
    assert.equal(repository?.repositoryName, "full");
    const gone = await sdkFailure(fx.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["full"] })));
    assert.equal(gone.name, "RepositoryNotFoundException");
    const again = await sdkFailure(fx.ecr.send(new DeleteRepositoryCommand({ repositoryName: "full" })));
    assert.equal(again.name, "RepositoryNotFoundException");
  });

  it("stores, returns and deletes repository policies, validating the JSON", async () => {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "policy" }));
    const none = await sdkFailure(fx.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: "policy" })));
    assert.equal(none.name, "RepositoryPolicyNotFoundException");
    const bad = await sdkFailure(fx.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: "policy", policyText: "{not json" })));
    assert.equal(bad.name, "InvalidParameterException");
    const set = await fx.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: "policy", policyText: POLICY }));
    assert.equal(set.policyText, POLICY);
    const got = await fx.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: "policy" }));
    assert.equal(got.policyText, POLICY);
    assert.equal(got.registryId, "000000000000");
    const deleted = await fx.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: "policy" }));
    assert.equal(deleted.policyText, POLICY);
    const after = await sdkFailure(fx.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: "policy" })));
    assert.equal(after.name, "RepositoryPolicyNotFoundException");
  });

  it("changes tag mutability and scan-on-push, and tags by ARN", async () => {
    const { repository } = await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "settings" }));
    const arn = repository?.repositoryArn ?? "";
    assert.equal((await fx.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: "settings", imageTagMutability: "IMMUTABLE" }))).imageTagMutability, "IMMUTABLE");
    await fx.ecr.send(new PutImageScanningConfigurationCommand({ repositoryName: "settings", imageScanningConfiguration: { scanOnPush: true } }));
    const described = (await fx.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["settings"] }))).repositories?.[0];
    assert.equal(described?.imageTagMutability, "IMMUTABLE");
    assert.equal(described?.imageScanningConfiguration?.scanOnPush, true);
    await fx.ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] }));
    await fx.ecr.send(new TagResourceCommand({ resourceArn: arn, tags: [{ Key: "a", Value: "3" }] }));
    await fx.ecr.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ["b"] }));
    assert.deepEqual((await fx.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags, [{ Key: "a", Value: "3" }]);
    const wrongArn = await sdkFailure(fx.ecr.send(new ListTagsForResourceCommand({ resourceArn: "arn:aws:ecr:us-east-1:000000000000:repository/none" })));
    assert.equal(wrongArn.name, "RepositoryNotFoundException");
    const notArn = await sdkFailure(fx.ecr.send(new TagResourceCommand({ resourceArn: "settings", tags: [] })));
    assert.equal(notArn.name, "InvalidParameterException");
  });

  it("issues a 12-hour AWS: token with the registry endpoint, and describes the registry", async () => {
    const { authorizationData } = await fx.ecr.send(new GetAuthorizationTokenCommand({}));
    const data = authorizationData?.[0];
    assert.equal(data?.proxyEndpoint, fx.server.endpoint);
    assert.match(Buffer.from(data?.authorizationToken ?? "", "base64").toString("utf8"), /^AWS:.{20,}$/);
    const hours = ((data?.expiresAt?.getTime() ?? 0) - Date.now()) / 3_600_000;
    assert.ok(hours > 11.9 && hours <= 12, String(hours));
    const registry = await fx.ecr.send(new DescribeRegistryCommand({}));
    assert.equal(registry.registryId, "000000000000");
  });

  it("keeps the registry policy and reports scanning configurations", async () => {
    const none = await sdkFailure(fx.ecr.send(new GetRegistryPolicyCommand({})));
    assert.equal(none.name, "RegistryPolicyNotFoundException");
    const bad = await sdkFailure(fx.ecr.send(new PutRegistryPolicyCommand({ policyText: "[]" })));
    assert.equal(bad.name, "InvalidParameterException");
    await fx.ecr.send(new PutRegistryPolicyCommand({ policyText: POLICY }));
    assert.equal((await fx.ecr.send(new GetRegistryPolicyCommand({}))).policyText, POLICY);
    assert.equal((await fx.ecr.send(new DeleteRegistryPolicyCommand({}))).policyText, POLICY);
    assert.equal((await sdkFailure(fx.ecr.send(new DeleteRegistryPolicyCommand({})))).name, "RegistryPolicyNotFoundException");
    const registry = await fx.ecr.send(new GetRegistryScanningConfigurationCommand({}));
    assert.equal(registry.scanningConfiguration?.scanType, "BASIC");
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "scanned", imageScanningConfiguration: { scanOnPush: true } }));
    const batch = await fx.ecr.send(new BatchGetRepositoryScanningConfigurationCommand({ repositoryNames: ["scanned", "not-there"] }));
    assert.deepEqual(batch.scanningConfigurations?.map((c) => [c.repositoryName, c.scanOnPush, c.scanFrequency]), [["scanned", true, "SCAN_ON_PUSH"]]);
    assert.deepEqual(batch.failures?.map((f) => [f.repositoryName, f.failureCode]), [["not-there", "REPOSITORY_NOT_FOUND"]]);
  });
});
