/** ECR images through the SDK: layer uploads, PutImage validation, describe/list/get/delete, immutable tags and scans. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  BatchCheckLayerAvailabilityCommand, BatchDeleteImageCommand, BatchGetImageCommand, CompleteLayerUploadCommand, CreateRepositoryCommand,
  DescribeImageScanFindingsCommand, DescribeImagesCommand, GetDownloadUrlForLayerCommand, InitiateLayerUploadCommand, ListImagesCommand,
  PutImageCommand, StartImageScanCommand, UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { ecrFixture, makeManifest, pushImage, sdkFailure, sha256, uploadLayer, type EcrFixture } from "./support.ts";

let fx: EcrFixture;
before(async () => {
  fx = await ecrFixture();
  for (const name of ["img", "immutable", "paging", "scan", "layers", "index"]) {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: name, ...(name === "immutable" ? { imageTagMutability: "IMMUTABLE" } : {}) }));
  }
});
after(async () => fx.close());

describe("ECR images", () => {
  it("PutImage stores a manifest whose layers exist; DescribeImages reports digest, tags, size and media types", async () => {
    const { manifest, digest, size } = await makeManifest(fx.ecr, "img", 4096);
    const put = await fx.ecr.send(new PutImageCommand({ repositoryName: "img", imageManifest: manifest, imageTag: "v1" }));
    assert.equal(put.image?.imageId?.imageDigest, digest);
    assert.equal(put.image?.imageManifestMediaType, "application/vnd.docker.distribution.manifest.v2+json");
    const { imageDetails } = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "img", imageIds: [{ imageTag: "v1" }] }));
    const image = imageDetails?.[0];
    assert.equal(image?.imageDigest, digest);
    assert.deepEqual(image?.imageTags, ["v1"]);
    assert.equal(image?.imageSizeInBytes, size);
    assert.equal(image?.artifactMediaType, "application/vnd.docker.container.image.v1+json");
    assert.ok(image?.imagePushedAt instanceof Date);
    assert.equal(image?.lastRecordedPullTime, undefined);

    const again = await sdkFailure(fx.ecr.send(new PutImageCommand({ repositoryName: "img", imageManifest: manifest, imageTag: "v1" })));
    assert.equal(again.name, "ImageAlreadyExistsException");
    await fx.ecr.send(new PutImageCommand({ repositoryName: "img", imageManifest: manifest, imageTag: "latest" }));
    const got = await fx.ecr.send(new BatchGetImageCommand({ repositoryName: "img", imageIds: [{ imageTag: "latest" }, { imageTag: "nope" }, { imageDigest: digest, imageTag: "other" }] }));
    assert.equal(got.images?.[0]?.imageManifest, manifest);
    assert.deepEqual(got.failures?.map((f) => f.failureCode), ["ImageNotFound", "ImageTagDoesNotMatchDigest"]);
    const pulled = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "img", imageIds: [{ imageDigest: digest }] }));
    assert.deepEqual(pulled.imageDetails?.[0]?.imageTags?.sort(), ["latest", "v1"]);
    assert.ok(pulled.imageDetails?.[0]?.lastRecordedPullTime instanceof Date);

    const missing = await sdkFailure(fx.ecr.send(new DescribeImagesCommand({ repositoryName: "img", imageIds: [{ imageTag: "nope" }] })));
    assert.equal(missing.name, "ImageNotFoundException");
  });

  it("PutImage rejects invalid manifests, missing layers and a wrong digest", async () => {
    const invalid = await sdkFailure(fx.ecr.send(new PutImageCommand({ repositoryName: "img", imageManifest: "{nope", imageTag: "bad" })));
    assert.equal(invalid.name, "InvalidParameterException");
    const layer = sha256(randomBytes(16));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 2, digest: layer },
      layers: [],
    });
    const layers = await sdkFailure(fx.ecr.send(new PutImageCommand({ repositoryName: "img", imageManifest: manifest, imageTag: "bad" })));
    assert.equal(layers.name, "LayersNotFoundException");
    const good = await makeManifest(fx.ecr, "img");
    const wrong = await sdkFailure(fx.ecr.send(new PutImageCommand({ repositoryName: "img", imageManifest: good.manifest, imageDigest: sha256("x") })));
    assert.equal(wrong.name, "ImageDigestDoesNotMatchException");
    const noRepo = await sdkFailure(fx.ecr.send(new PutImageCommand({ repositoryName: "absent", imageManifest: good.manifest })));
    assert.equal(noRepo.name, "RepositoryNotFoundException");
  });

  it("moves a mutable tag to the new image and refuses to move an immutable one", async () => {
    const first = await pushImage(fx.ecr, "img", "moving");
    const second = await pushImage(fx.ecr, "img", "moving");
    const { imageDetails } = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "img", imageIds: [{ imageDigest: first }, { imageDigest: second }] }));
    assert.deepEqual(imageDetails?.find((d) => d.imageDigest === first)?.imageTags, undefined);
    assert.deepEqual(imageDetails?.find((d) => d.imageDigest === second)?.imageTags, ["moving"]);

    await pushImage(fx.ecr, "immutable", "v1");
    const { manifest } = await makeManifest(fx.ecr, "immutable");
    const refused = await sdkFailure(fx.ecr.send(new PutImageCommand({ repositoryName: "immutable", imageManifest: manifest, imageTag: "v1" })));
    assert.equal(refused.name, "ImageTagAlreadyExistsException");
  });

  it("lists images with tag filters and pages; BatchDeleteImage untags, deletes and reports failures", async () => {
    const tagged = await pushImage(fx.ecr, "paging", "a");
    await fx.ecr.send(new PutImageCommand({ repositoryName: "paging", imageManifest: (await makeManifest(fx.ecr, "paging")).manifest }));
    const twoTags = await pushImage(fx.ecr, "paging", "b");
    const { manifest: bManifest } = await fx.ecr.send(new BatchGetImageCommand({ repositoryName: "paging", imageIds: [{ imageTag: "b" }] })).then((r) => ({ manifest: r.images?.[0]?.imageManifest }));
    await fx.ecr.send(new PutImageCommand({ repositoryName: "paging", imageManifest: bManifest, imageTag: "c" }));
    const all = await fx.ecr.send(new ListImagesCommand({ repositoryName: "paging" }));
    assert.equal(all.imageIds?.length, 4);
    const untagged = await fx.ecr.send(new ListImagesCommand({ repositoryName: "paging", filter: { tagStatus: "UNTAGGED" } }));
    assert.equal(untagged.imageIds?.length, 1);
    assert.equal(untagged.imageIds?.[0]?.imageTag, undefined);
    const taggedOnly = await fx.ecr.send(new ListImagesCommand({ repositoryName: "paging", filter: { tagStatus: "TAGGED" } }));
    assert.deepEqual(taggedOnly.imageIds?.map((id) => id.imageTag).sort(), ["a", "b", "c"]);
    const page1 = await fx.ecr.send(new ListImagesCommand({ repositoryName: "paging", maxResults: 3 }));
    const page2 = await fx.ecr.send(new ListImagesCommand({ repositoryName: "paging", maxResults: 3, nextToken: page1.nextToken }));
    assert.equal(page1.imageIds?.length, 3);
    assert.equal(page2.imageIds?.length, 1);
    assert.equal(page2.nextToken, undefined);

    const result = await fx.ecr.send(
      new BatchDeleteImageCommand({ repositoryName: "paging", imageIds: [{ imageTag: "b" }, { imageDigest: tagged }, { imageTag: "zzz" }, {}] }),
    );
    assert.deepEqual(result.imageIds, [{ imageDigest: twoTags, imageTag: "b" }, { imageDigest: tagged }]);
    assert.deepEqual(result.failures?.map((f) => f.failureCode), ["ImageNotFound", "MissingDigestAndTag"]);
    const left = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "paging", filter: { tagStatus: "TAGGED" } }));
    assert.deepEqual(left.imageDetails?.map((d) => d.imageTags), [["c"]]);
    // Removing the last tag deletes the image, as ECR does.
    await fx.ecr.send(new BatchDeleteImageCommand({ repositoryName: "paging", imageIds: [{ imageTag: "c" }] }));
    const gone = await sdkFailure(fx.ecr.send(new DescribeImagesCommand({ repositoryName: "paging", imageIds: [{ imageDigest: twoTags }] })));
    assert.equal(gone.name, "ImageNotFoundException");
  });

  it("answers ScanNotFoundException before a scan and an empty COMPLETE scan after one", async () => {
    const digest = await pushImage(fx.ecr, "scan", "v1");
    const before = await sdkFailure(fx.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan", imageId: { imageTag: "v1" } })));
    assert.equal(before.name, "ScanNotFoundException");
    const started = await fx.ecr.send(new StartImageScanCommand({ repositoryName: "scan", imageId: { imageDigest: digest } }));
    assert.equal(started.imageScanStatus?.status, "IN_PROGRESS");
    const findings = await fx.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan", imageId: { imageTag: "v1" } }));
    assert.equal(findings.imageScanStatus?.status, "COMPLETE");
    assert.deepEqual(findings.imageScanFindings?.findings, []);
    assert.ok(findings.imageScanFindings?.imageScanCompletedAt instanceof Date);
    const quota = await sdkFailure(fx.ecr.send(new StartImageScanCommand({ repositoryName: "scan", imageId: { imageDigest: digest } })));
    assert.equal(quota.name, "LimitExceededException");
    const absent = await sdkFailure(fx.ecr.send(new DescribeImageScanFindingsCommand({ repositoryName: "scan", imageId: { imageTag: "none" } })));
    assert.equal(absent.name, "ImageNotFoundException");
  });

  it("ECR's layer-upload API checks parts and digests; layer availability and download URLs follow", async () => {
    const bytes = randomBytes(3000);
    const { uploadId } = await fx.ecr.send(new InitiateLayerUploadCommand({ repositoryName: "layers" }));
    const gap = await sdkFailure(fx.ecr.send(new UploadLayerPartCommand({ repositoryName: "layers", uploadId, partFirstByte: 10, partLastByte: 19, layerPartBlob: bytes.subarray(0, 10) })));
    assert.equal(gap.name, "InvalidLayerPartException");
    await fx.ecr.send(new UploadLayerPartCommand({ repositoryName: "layers", uploadId, partFirstByte: 0, partLastByte: 999, layerPartBlob: bytes.subarray(0, 1000) }));
    await fx.ecr.send(new UploadLayerPartCommand({ repositoryName: "layers", uploadId, partFirstByte: 1000, partLastByte: 2999, layerPartBlob: bytes.subarray(1000) }));
    const wrong = await sdkFailure(fx.ecr.send(new CompleteLayerUploadCommand({ repositoryName: "layers", uploadId, layerDigests: [sha256("other")] })));
    assert.equal(wrong.name, "InvalidLayerException");
    const unknown = await sdkFailure(fx.ecr.send(new UploadLayerPartCommand({ repositoryName: "layers", uploadId: "nope", partFirstByte: 0, partLastByte: 0, layerPartBlob: new Uint8Array(1) })));
    assert.equal(unknown.name, "UploadNotFoundException");
    const digest = await uploadLayer(fx.ecr, "layers", bytes);
    const dup = await sdkFailure(uploadLayer(fx.ecr, "layers", bytes));
    assert.equal(dup.name, "LayerAlreadyExistsException");
    const missing = sha256("missing");
    const availability = await fx.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: "layers", layerDigests: [digest, missing] }));
    assert.deepEqual(availability.layers?.map((l) => [l.layerDigest, l.layerAvailability, l.layerSize]), [[digest, "AVAILABLE", 3000]]);
    assert.deepEqual(availability.failures?.map((f) => [f.layerDigest, f.failureCode]), [[missing, "MissingLayerDigest"]]);
    const { downloadUrl } = await fx.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: "layers", layerDigest: digest }));
    const response = await fetch(downloadUrl ?? "");
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
    const notThere = await sdkFailure(fx.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: "layers", layerDigest: missing })));
    assert.equal(notThere.name, "LayersNotFoundException");
  });

  it("an OCI index needs its child manifests, and a child cannot be deleted while the index references it", async () => {
    const child = await makeManifest(fx.ecr, "index");
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: "application/vnd.docker.distribution.manifest.v2+json", digest: child.digest, size: child.manifest.length, platform: { os: "linux", architecture: "amd64" } }],
    });
    const early = await sdkFailure(fx.ecr.send(new PutImageCommand({ repositoryName: "index", imageManifest: index, imageTag: "multi" })));
    assert.equal(early.name, "ReferencedImagesNotFoundException");
    await fx.ecr.send(new PutImageCommand({ repositoryName: "index", imageManifest: child.manifest }));
    const put = await fx.ecr.send(new PutImageCommand({ repositoryName: "index", imageManifest: index, imageTag: "multi" }));
    assert.equal(put.image?.imageManifestMediaType, "application/vnd.oci.image.index.v1+json");
    const blocked = await fx.ecr.send(new BatchDeleteImageCommand({ repositoryName: "index", imageIds: [{ imageDigest: child.digest }] }));
    assert.equal(blocked.failures?.[0]?.failureCode, "ImageReferencedByManifestList");
  });
});
