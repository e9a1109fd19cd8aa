/** ECR lifecycle policies through the SDK: validation as ECR does it, previews, and expiry applied on put and after pushes. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateRepositoryCommand, DeleteLifecyclePolicyCommand, DescribeImagesCommand, GetLifecyclePolicyCommand, GetLifecyclePolicyPreviewCommand,
  PutLifecyclePolicyCommand, StartLifecyclePolicyPreviewCommand,
} from "@aws-sdk/client-ecr";
import type { EcrOperations } from "../../src/generated/ecr.ts";
import { expireAgedImages, recordLayer } from "../../src/services/ecr/images.ts";
import { ecrService } from "../../src/services/ecr/index.ts";
import { StateStore } from "../../src/state/state-store.ts";
import { caller, makeContext } from "../services/handler-context.ts";
import { ecrFixture, pushImage, sdkFailure, sha256, type EcrFixture } from "./support.ts";

let fx: EcrFixture;
before(async () => {
  fx = await ecrFixture();
});
after(async () => fx.close());

const policy = (...rules: object[]): string => JSON.stringify({ rules: rules.map((rule, i) => ({ rulePriority: i + 1, description: `rule ${i + 1}`, action: { type: "expire" }, ...rule })) });

const keepTwoReleases = policy({ selection: { tagStatus: "tagged", tagPrefixList: ["release-"], countType: "imageCountMoreThan", countNumber: 2 } });
const noUntagged = policy({ selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 1 } });

async function tagsIn(repositoryName: string): Promise<string[]> {
  const { imageDetails } = await fx.ecr.send(new DescribeImagesCommand({ repositoryName }));
  return (imageDetails ?? []).flatMap((image) => image.imageTags ?? ["<untagged>"]).sort();
}

describe("ECR lifecycle policies", () => {
  it("rejects policies ECR rejects with InvalidParameterException", async () => {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "lc-validate" }));
    const bad = [
      "not json at all, but long enough to pass the length check of one hundred characters .................",
      policy({ selection: { tagStatus: "tagged", countType: "imageCountMoreThan", countNumber: 1 } }),
      policy({ selection: { tagStatus: "untagged", countType: "sinceImagePushed", countNumber: 1 } }),
      policy({ selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countUnit: "days", countNumber: 1 } }),
      policy({ selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 0 } }),
      policy({ selection: { tagStatus: "sometimes", countType: "imageCountMoreThan", countNumber: 1 } }),
      policy({ selection: { tagStatus: "tagged", tagPrefixList: ["a"], tagPatternList: ["b*"], countType: "imageCountMoreThan", countNumber: 1 } }),
      JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 1 }, action: { type: "delete" } }] }),
      policy(
        { selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 5 } },
        { selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 1 } },
      ),
    ];
    for (const text of bad) {
      const failure = await sdkFailure(fx.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: "lc-validate", lifecyclePolicyText: text })));
      assert.equal(failure.name, "InvalidParameterException", text);
    }
    const none = await sdkFailure(fx.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: "lc-validate" })));
    assert.equal(none.name, "LifecyclePolicyNotFoundException");
    const noPreview = await sdkFailure(fx.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: "lc-validate" })));
    assert.equal(noPreview.name, "LifecyclePolicyPreviewNotFoundException");
    const previewWithout = await sdkFailure(fx.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: "lc-validate" })));
    assert.equal(previewWithout.name, "LifecyclePolicyNotFoundException");
  });

  it("previews which images a policy would expire without expiring them", async () => {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "lc-preview" }));
    const oldest = await pushImage(fx.ecr, "lc-preview", "release-1");
    await pushImage(fx.ecr, "lc-preview", "release-2");
    await pushImage(fx.ecr, "lc-preview", "release-3");
    await pushImage(fx.ecr, "lc-preview", "dev-1");
    const started = await fx.ecr.send(new StartLifecyclePolicyPreviewCommand({ repositoryName: "lc-preview", lifecyclePolicyText: keepTwoReleases }));
    assert.equal(started.status, "IN_PROGRESS");
    const preview = await fx.ecr.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: "lc-preview" }));
    assert.equal(preview.status, "COMPLETE");
    assert.equal(preview.lifecyclePolicyText, keepTwoReleases);
    assert.deepEqual(preview.previewResults?.map((r) => [r.imageDigest, r.imageTags, r.action?.type, r.appliedRulePriority]), [[oldest, ["release-1"], "EXPIRE", 1]]);
    assert.equal(preview.summary?.expiringImageTotalCount, 1);
    assert.deepEqual(await tagsIn("lc-preview"), ["dev-1", "release-1", "release-2", "release-3"]);
  });

  it("applies the policy when it is put and after later pushes", async () => {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "lc-apply" }));
    await pushImage(fx.ecr, "lc-apply", "release-1");
    await pushImage(fx.ecr, "lc-apply", "release-2");
    await pushImage(fx.ecr, "lc-apply", "release-3");
    await pushImage(fx.ecr, "lc-apply", "other");
    await fx.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: "lc-apply", lifecyclePolicyText: keepTwoReleases }));
    assert.deepEqual(await tagsIn("lc-apply"), ["other", "release-2", "release-3"]);
    await pushImage(fx.ecr, "lc-apply", "release-4");
    assert.deepEqual(await tagsIn("lc-apply"), ["other", "release-3", "release-4"]);
    const got = await fx.ecr.send(new GetLifecyclePolicyCommand({ repositoryName: "lc-apply" }));
    assert.equal(got.lifecyclePolicyText, keepTwoReleases);
    assert.ok(got.lastEvaluatedAt instanceof Date);
    await fx.ecr.send(new DeleteLifecyclePolicyCommand({ repositoryName: "lc-apply" }));
    await pushImage(fx.ecr, "lc-apply", "release-5");
    assert.deepEqual(await tagsIn("lc-apply"), ["other", "release-3", "release-4", "release-5"]);
  });

  it("a higher-priority rule protects what it selects from lower-priority rules", async () => {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "lc-priority" }));
    await pushImage(fx.ecr, "lc-priority", "prod-1");
    await pushImage(fx.ecr, "lc-priority", "prod-2");
    await pushImage(fx.ecr, "lc-priority", "test-1");
    await pushImage(fx.ecr, "lc-priority", "test-2");
    const text = policy(
      { selection: { tagStatus: "tagged", tagPatternList: ["prod-*"], countType: "imageCountMoreThan", countNumber: 5 } },
      { selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 1 } },
    );
    await fx.ecr.send(new PutLifecyclePolicyCommand({ repositoryName: "lc-priority", lifecyclePolicyText: text }));
    assert.deepEqual(await tagsIn("lc-priority"), ["prod-1", "prod-2", "test-2"]);
  });

  it("age rules expire images without a push, when the repository is next read", async () => {
    const call = caller<EcrOperations>(ecrService);
    const state = new StateStore(undefined);
    const ctx = makeContext({ service: "ecr", state });
    const scope = { account: ctx.account, region: ctx.region };
    await call("CreateRepository", { repositoryName: "aged" }, ctx);
    const config = sha256("config");
    recordLayer(state, scope, "aged", config, 10);
    const manifest = (n: number): string =>
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 10, digest: config }, layers: [], annotations: { n: String(n) } });
    await call("PutImage", { repositoryName: "aged", imageManifest: manifest(1) }, ctx);
    await call("PutImage", { repositoryName: "aged", imageManifest: manifest(2), imageTag: "keep" }, ctx);
    const text = policy({ selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 } });
    await call("PutLifecyclePolicy", { repositoryName: "aged", lifecyclePolicyText: text }, ctx);
    assert.equal((await call("ListImages", { repositoryName: "aged" }, ctx)).imageIds?.length, 2);
    expireAgedImages(state, scope, "aged", Date.now() + 2 * 86_400_000);
    const left = await call("ListImages", { repositoryName: "aged" }, ctx);
    assert.deepEqual(left.imageIds?.map((id) => id.imageTag), ["keep"]);
  });
});
