/** ECR lifecycle policy operations: put (validated, then applied), get, delete, and the preview of what a policy expires. */
import type { EcrOperations } from "../../generated/ecr.ts";
import type { LifecyclePolicyPreviewResult } from "@aws-sdk/client-ecr";
import { AwsError } from "../../shared/aws-error.ts";
import { encodeToken, isOffset, readToken } from "../page-tokens.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkMaxResults, invalidParameter, requireRepository } from "./errors.ts";
import { applyLifecyclePolicy, referencedDigests } from "./images.ts";
import { evaluateLifecycle, parseLifecyclePolicy } from "./lifecycle.ts";
import { scopeOf } from "./repositories.ts";
import { imagesOf, repositoryTable, type RepositoryRecord } from "./state.ts";

const notFound = (ctx: RequestContext, name: string): AwsError =>
  new AwsError("LifecyclePolicyNotFoundException", `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${ctx.account}'`);

function checkText(text: string | undefined): string {
  const policy = text ?? "";
  if (policy.length < 100 || policy.length > 30720) {
    throw invalidParameter("Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Member must have length between 100 and 30720'");
  }
  parseLifecyclePolicy(policy);
  return policy;
}

const save = (ctx: RequestContext, repository: RepositoryRecord): RepositoryRecord => repositoryTable(ctx.state).put(scopeOf(ctx), repository.name, repository);

export const lifecycleHandlers: HandlerTable<EcrOperations> = {
  PutLifecyclePolicy(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const lifecyclePolicyText = checkText(input.lifecyclePolicyText);
    save(ctx, { ...repository, lifecyclePolicy: lifecyclePolicyText, lifecycleEvaluatedAt: Date.now() });
    applyLifecyclePolicy(ctx.state, scopeOf(ctx), repository.name);
    return { registryId: ctx.account, repositoryName: repository.name, lifecyclePolicyText };
  },

  GetLifecyclePolicy(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    if (!repository.lifecyclePolicy) throw notFound(ctx, repository.name);
    return {
      registryId: ctx.account,
      repositoryName: repository.name,
      lifecyclePolicyText: repository.lifecyclePolicy,
      ...(repository.lifecycleEvaluatedAt ? { lastEvaluatedAt: new Date(repository.lifecycleEvaluatedAt) } : {}),
    };
  },

  DeleteLifecyclePolicy(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    if (!repository.lifecyclePolicy) throw notFound(ctx, repository.name);
    const { lifecyclePolicy, lifecycleEvaluatedAt, ...rest } = repository;
    save(ctx, rest);
    return {
      registryId: ctx.account,
      repositoryName: repository.name,
      lifecyclePolicyText: lifecyclePolicy,
      ...(lifecycleEvaluatedAt ? { lastEvaluatedAt: new Date(lifecycleEvaluatedAt) } : {}),
    };
  },

  StartLifecyclePolicyPreview(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const policy = input.lifecyclePolicyText !== undefined ? checkText(input.lifecyclePolicyText) : repository.lifecyclePolicy;
    if (!policy) throw notFound(ctx, repository.name);
    const images = imagesOf(ctx.state, scopeOf(ctx), repository.name);
    const expired = evaluateLifecycle(parseLifecyclePolicy(policy), images, referencedDigests(images));
    save(ctx, {
      ...repository,
      preview: {
        policy,
        results: expired.map(({ image, rulePriority }) => ({ digest: image.digest, tags: image.tags, pushedAt: image.pushedAt, rulePriority })),
      },
    });
    return { registryId: ctx.account, repositoryName: repository.name, lifecyclePolicyText: policy, status: "IN_PROGRESS" };
  },

  GetLifecyclePolicyPreview(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const preview = repository.preview;
    if (!preview) {
      throw new AwsError(
        "LifecyclePolicyPreviewNotFoundException",
        `There is no dry run for the repository with name '${repository.name}' in the registry with id '${ctx.account}'`,
      );
    }
    const status = input.filter?.tagStatus;
    let results = preview.results.filter((result) =>
      status === undefined || status === "ANY" ? true : status === "TAGGED" ? result.tags.length > 0 : result.tags.length === 0,
    );
    if (input.imageIds?.length) {
      const wanted = input.imageIds;
      results = results.filter((result) => wanted.some((id) => (id.imageDigest ? id.imageDigest === result.digest : false) || (id.imageTag ? result.tags.includes(id.imageTag) : false)));
    }
    const max = checkMaxResults(input.maxResults, 100);
    const offset = input.nextToken === undefined ? 0 : readToken(input.nextToken, isOffset)?.o;
    if (offset === undefined) throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
    const previewResults: LifecyclePolicyPreviewResult[] = results.slice(offset, offset + max).map((result) => ({
      imageDigest: result.digest,
      ...(result.tags.length ? { imageTags: result.tags } : {}),
      imagePushedAt: new Date(result.pushedAt),
      action: { type: "EXPIRE" },
      appliedRulePriority: result.rulePriority,
    }));
    return {
      registryId: ctx.account,
      repositoryName: repository.name,
      lifecyclePolicyText: preview.policy,
      status: "COMPLETE",
      previewResults,
      summary: { expiringImageTotalCount: preview.results.length },
      ...(offset + max < results.length ? { nextToken: encodeToken({ o: offset + max }) } : {}),
    };
  },
};
