/** ECR image operations: list/describe/get/put/delete images and the (empty) scan findings. */
import type { EcrOperations } from "../../generated/ecr.ts";
import type { ImageDetail, ImageFailure, ImageIdentifier, ImageFailureCode } from "@aws-sdk/client-ecr";
import { AwsError } from "../../shared/aws-error.ts";
import { encodeToken, isOffset, readToken } from "../page-tokens.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkMaxResults, invalidParameter, requireRepository } from "./errors.ts";
import { deleteImage, expireAgedImages, ImageError, putImage, referrersOf } from "./images.ts";
import { DIGEST, DOCKER_MANIFEST, OCI_MANIFEST, DOCKER_LIST, OCI_INDEX } from "./manifest.ts";
import { scopeOf } from "./repositories.ts";
import { imageByDigest, imageByTag, imageKey, imagesOf, imageTable, type ImageRecord, type RepositoryRecord } from "./state.ts";

const describeId = (id: ImageIdentifier): string => `{imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'}`;

function imageNotFound(ctx: RequestContext, repository: string, id: ImageIdentifier): AwsError {
  return new AwsError(
    "ImageNotFoundException",
    `The image with imageId ${describeId(id)} does not exist within the repository with name '${repository}' in the registry with id '${ctx.account}'`,
  );
}

/** The image an identifier names; a tag and digest given together must agree. */
function lookup(ctx: RequestContext, repository: string, id: ImageIdentifier): { image?: ImageRecord; failure?: ImageFailureCode } {
  if (id.imageDigest === undefined && id.imageTag === undefined) return { failure: "MissingDigestAndTag" };
  const scope = scopeOf(ctx);
  const image = id.imageDigest !== undefined ? imageByDigest(ctx.state, scope, repository, id.imageDigest) : imageByTag(ctx.state, scope, repository, id.imageTag ?? "");
  if (!image) return { failure: "ImageNotFound" };
  if (id.imageTag !== undefined && !image.tags.includes(id.imageTag)) return { failure: "ImageTagDoesNotMatchDigest" };
  return { image };
}

function requireImage(ctx: RequestContext, repository: string, id: ImageIdentifier | undefined): ImageRecord {
  const found = lookup(ctx, repository, id ?? {});
  if (!found.image) throw imageNotFound(ctx, repository, id ?? {});
  return found.image;
}

function detail(ctx: RequestContext, image: ImageRecord): ImageDetail {
  return {
    registryId: ctx.account,
    repositoryName: image.repository,
    imageDigest: image.digest,
    ...(image.tags.length ? { imageTags: [...image.tags] } : {}),
    imageSizeInBytes: image.size,
    imagePushedAt: new Date(image.pushedAt),
    imageManifestMediaType: image.mediaType,
    ...(image.artifactMediaType ? { artifactMediaType: image.artifactMediaType } : {}),
    ...(image.lastPulledAt ? { lastRecordedPullTime: new Date(image.lastPulledAt) } : {}),
    ...(image.scanned
      ? {
          imageScanStatus: { status: "COMPLETE", description: "The scan was completed successfully." },
          imageScanFindingsSummary: { imageScanCompletedAt: new Date(image.scanned), vulnerabilitySourceUpdatedAt: new Date(image.scanned), findingSeverityCounts: {} },
        }
      : {}),
  };
}

function tagFilter(status: string | undefined): (image: ImageRecord) => boolean {
  if (status === undefined || status === "ANY") return () => true;
  if (status === "TAGGED") return (image) => image.tags.length > 0;
  if (status === "UNTAGGED") return (image) => image.tags.length === 0;
  throw invalidParameter("Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'");
}

function paged<T>(items: T[], nextToken: string | undefined, maxResults: number | undefined): { items: T[]; nextToken?: string } {
  const max = checkMaxResults(maxResults, 100);
  const offset = nextToken === undefined ? 0 : readToken(nextToken, isOffset)?.o;
  if (offset === undefined) throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
  return { items: items.slice(offset, offset + max), ...(offset + max < items.length ? { nextToken: encodeToken({ o: offset + max }) } : {}) };
}

const byPushTime = (a: ImageRecord, b: ImageRecord): number => a.pushedAt - b.pushedAt;

function imageErrorToAws(ctx: RequestContext, repository: RepositoryRecord, error: ImageError): AwsError {
  switch (error.kind) {
    case "invalid":
      return invalidParameter(`Invalid parameter at 'ImageManifest' failed to satisfy constraint: '${error.message}'`);
    case "tag-invalid":
      return invalidParameter(`Invalid parameter at 'imageTag' failed to satisfy constraint: '${error.message}'`);
    case "digest-mismatch":
      return new AwsError("ImageDigestDoesNotMatchException", error.message);
    case "layers-missing":
      return new AwsError("LayersNotFoundException", `Layers with digests '${JSON.stringify(error.missing)}' required for pushing image into repository with name '${repository.name}' in the registry with id '${ctx.account}' do not exist`);
    case "images-missing":
      return new AwsError("ReferencedImagesNotFoundException", error.message);
    case "tag-immutable":
      return new AwsError("ImageTagAlreadyExistsException", error.message);
    case "already-exists":
      return new AwsError("ImageAlreadyExistsException", error.message);
  }
}

const DEFAULT_ACCEPTED = [DOCKER_MANIFEST, OCI_MANIFEST, DOCKER_LIST, OCI_INDEX];

export const imageHandlers: HandlerTable<EcrOperations> = {
  ListImages(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    expireAgedImages(ctx.state, scopeOf(ctx), repository.name);
    const keep = tagFilter(input.filter?.tagStatus);
    const ids: ImageIdentifier[] = imagesOf(ctx.state, scopeOf(ctx), repository.name)
      .filter(keep)
      .sort(byPushTime)
      .flatMap((image) => (image.tags.length ? image.tags.map((imageTag) => ({ imageDigest: image.digest, imageTag })) : [{ imageDigest: image.digest }]));
    const page = paged(ids, input.nextToken, input.maxResults);
    return { imageIds: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  DescribeImages(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    expireAgedImages(ctx.state, scopeOf(ctx), repository.name);
    if (input.imageIds?.length) {
      if (input.maxResults !== undefined || input.nextToken !== undefined) throw invalidParameter("Invalid parameter: maxResults and nextToken cannot be used together with imageIds");
      const images = input.imageIds.map((id) => requireImage(ctx, repository.name, id));
      const unique = [...new Map(images.map((image) => [image.digest, image])).values()];
      return { imageDetails: unique.map((image) => detail(ctx, image)) };
    }
    const images = imagesOf(ctx.state, scopeOf(ctx), repository.name).filter(tagFilter(input.filter?.tagStatus)).sort(byPushTime);
    const page = paged(images, input.nextToken, input.maxResults);
    return { imageDetails: page.items.map((image) => detail(ctx, image)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  BatchGetImage(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    expireAgedImages(ctx.state, scopeOf(ctx), repository.name);
    const accepted = input.acceptedMediaTypes?.length ? input.acceptedMediaTypes : DEFAULT_ACCEPTED;
    const images = [];
    const failures: ImageFailure[] = [];
    const table = imageTable(ctx.state);
    for (const id of input.imageIds ?? []) {
      const found = lookup(ctx, repository.name, id);
      if (!found.image) {
        failures.push({ imageId: id, failureCode: found.failure, failureReason: found.failure === "ImageNotFound" ? "Requested image not found" : "Invalid request parameters" });
        continue;
      }
      const image = found.image;
      if (!accepted.includes(image.mediaType)) {
        failures.push({ imageId: id, failureCode: "ImageNotFound", failureReason: `Requested image not found: manifest media type ${image.mediaType} is not among the accepted media types` });
        continue;
      }
      table.put(scopeOf(ctx), imageKey(repository.name, image.digest), { ...image, lastPulledAt: Date.now() });
      images.push({
        registryId: ctx.account,
        repositoryName: repository.name,
        imageId: { imageDigest: image.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) },
        imageManifest: image.manifest,
        imageManifestMediaType: image.mediaType,
      });
    }
    return { images, failures };
  },

  PutImage(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    try {
      const image = putImage(ctx.state, scopeOf(ctx), repository, {
        manifest: input.imageManifest ?? "",
        ...(input.imageManifestMediaType ? { mediaType: input.imageManifestMediaType } : {}),
        ...(input.imageTag !== undefined ? { tag: input.imageTag } : {}),
        ...(input.imageDigest !== undefined ? { digest: input.imageDigest } : {}),
      });
      return {
        image: {
          registryId: ctx.account,
          repositoryName: repository.name,
          imageId: { imageDigest: image.digest, ...(input.imageTag ? { imageTag: input.imageTag } : {}) },
          imageManifest: image.manifest,
          imageManifestMediaType: image.mediaType,
        },
      };
    } catch (error) {
      if (error instanceof ImageError) throw imageErrorToAws(ctx, repository, error);
      throw error;
    }
  },

  BatchDeleteImage(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const imageIds: ImageIdentifier[] = [];
    const failures: ImageFailure[] = [];
    for (const id of input.imageIds ?? []) {
      const result = deleteImage(ctx.state, scopeOf(ctx), repository.name, id);
      if ("failure" in result) failures.push({ imageId: id, failureCode: result.failure, failureReason: result.message });
      else imageIds.push(result.deleted);
    }
    return { imageIds, failures };
  },

  ListImageReferrers(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const digest = input.subjectId?.imageDigest ?? "";
    if (!DIGEST.test(digest)) throw invalidParameter("Invalid parameter at 'subjectId.imageDigest' failed to satisfy constraint: 'Invalid image digest'");
    const types = input.filter?.artifactTypes?.length ? input.filter.artifactTypes : undefined;
    const referrers = referrersOf(ctx.state, scopeOf(ctx), repository.name, digest, types).map((referrer) => ({ ...referrer, artifactStatus: "ACTIVE" as const }));
    const page = paged(referrers, input.nextToken, input.maxResults);
    return { referrers: page.items, ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  StartImageScan(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const image = requireImage(ctx, repository.name, input.imageId);
    // ECR allows one manual scan per image every 24 hours.
    if (image.scanned !== undefined && Date.now() - image.scanned < 86_400_000) {
      throw new AwsError("LimitExceededException", "The scan quota per image has been exceeded. Wait and try again.");
    }
    imageTable(ctx.state).put(scopeOf(ctx), imageKey(repository.name, image.digest), { ...image, scanned: Date.now() });
    return {
      registryId: ctx.account,
      repositoryName: repository.name,
      imageId: { imageDigest: image.digest, ...(input.imageId?.imageTag ? { imageTag: input.imageId.imageTag } : {}) },
      imageScanStatus: { status: "IN_PROGRESS" },
    };
  },

  DescribeImageScanFindings(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const image = requireImage(ctx, repository.name, input.imageId);
    if (image.scanned === undefined) {
      throw new AwsError(
        "ScanNotFoundException",
        `Image scan does not exist for the image with '${describeId(input.imageId ?? {})}' in the repository with name '${repository.name}' in the registry with id '${ctx.account}'`,
      );
    }
    checkMaxResults(input.maxResults, 100);
    return {
      registryId: ctx.account,
      repositoryName: repository.name,
      imageId: { imageDigest: image.digest, ...(input.imageId?.imageTag ? { imageTag: input.imageId.imageTag } : {}) },
      imageScanStatus: { status: "COMPLETE", description: "The scan was completed successfully." },
      imageScanFindings: {
        imageScanCompletedAt: new Date(image.scanned),
        vulnerabilitySourceUpdatedAt: new Date(image.scanned),
        findings: [],
        findingSeverityCounts: {},
      },
    };
  },
};
