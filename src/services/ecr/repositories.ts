/** ECR repositories: create/describe/delete, policies, tag mutability, scanning settings and tags. */
import type { EncryptionType, ImageTagMutability, Repository } from "@aws-sdk/client-ecr";
import type { EcrOperations } from "../../generated/ecr.ts";
import { AwsError } from "../../shared/aws-error.ts";
import type { Scope } from "../../state/state-store.ts";
import { encodeToken, isOffset, readToken } from "../page-tokens.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkMaxResults, checkRegistryId, checkRepositoryName, checkTags, invalidParameter, mergeTags, repositoryNotFound, requireRepository } from "./errors.ts";
import { imageKey, imagesOf, imageTable, layerKey, layerTable, repositoryArn, repositoryTable, repositoryUri, type RepositoryRecord } from "./state.ts";

export const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

const MUTABILITY = ["MUTABLE", "IMMUTABLE", "MUTABLE_WITH_EXCLUSION", "IMMUTABLE_WITH_EXCLUSION"];

export function repositoryView(ctx: RequestContext, repository: RepositoryRecord): Repository {
  return {
    repositoryArn: repository.arn,
    registryId: repository.registryId,
    repositoryName: repository.name,
    repositoryUri: repositoryUri(ctx.endpoint, repository.name),
    createdAt: new Date(repository.createdAt),
    imageTagMutability: repository.imageTagMutability as ImageTagMutability,
    imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
    encryptionConfiguration: { encryptionType: repository.encryptionType as EncryptionType, ...(repository.kmsKey ? { kmsKey: repository.kmsKey } : {}) },
  };
}

function checkMutability(value: string | undefined): ImageTagMutability {
  const mutability = value ?? "MUTABLE";
  if (!MUTABILITY.includes(mutability)) {
    throw invalidParameter(`Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [${MUTABILITY.join(", ")}]'`);
  }
  return mutability as ImageTagMutability;
}

/** Repository policies must be IAM-style JSON documents with statements. */
function checkPolicy(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidParameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'");
  }
  const statements = typeof json === "object" && json !== null && "Statement" in json ? json.Statement : undefined;
  if (!(Array.isArray(statements) ? statements.length > 0 : typeof statements === "object" && statements !== null)) {
    throw invalidParameter("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'");
  }
  return text;
}

const ARN = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+)$/;

function repositoryByArn(ctx: RequestContext, arn: string | undefined): RepositoryRecord {
  const match = ARN.exec(arn ?? "");
  if (!match) throw invalidParameter(`Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`);
  const [, region, account, name = ""] = match;
  const repository = region === ctx.region && account === ctx.account ? repositoryTable(ctx.state).get(scopeOf(ctx), name) : undefined;
  if (!repository) throw repositoryNotFound(name, account ?? ctx.account);
  return repository;
}

const save = (ctx: RequestContext, repository: RepositoryRecord): RepositoryRecord => repositoryTable(ctx.state).put(scopeOf(ctx), repository.name, repository);

export const repositoryHandlers: HandlerTable<EcrOperations> = {
  CreateRepository(input, ctx) {
    const scope = scopeOf(ctx);
    checkRegistryId(input.registryId, scope);
    const name = checkRepositoryName(input.repositoryName ?? "");
    const table = repositoryTable(ctx.state);
    if (table.has(scope, name)) {
      throw new AwsError("RepositoryAlreadyExistsException", `The repository with name '${name}' already exists in the registry with id '${ctx.account}'`);
    }
    const encryptionType = input.encryptionConfiguration?.encryptionType ?? "AES256";
    if (!["AES256", "KMS", "KMS_DSSE"].includes(encryptionType)) throw invalidParameter(`Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'`);
    if (encryptionType === "AES256" && input.encryptionConfiguration?.kmsKey) throw invalidParameter("Invalid parameter: KMS key should not be specified for AES256 encryption type");
    const kmsKey = encryptionType === "AES256" ? undefined : (input.encryptionConfiguration?.kmsKey ?? `arn:aws:kms:${ctx.region}:${ctx.account}:alias/aws/ecr`);
    const tags = mergeTags([], checkTags(input.tags ?? []));
    const repository: RepositoryRecord = {
      name,
      arn: repositoryArn(scope, name),
      registryId: ctx.account,
      createdAt: Date.now(),
      imageTagMutability: checkMutability(input.imageTagMutability),
      scanOnPush: input.imageScanningConfiguration?.scanOnPush ?? false,
      encryptionType,
      ...(kmsKey ? { kmsKey } : {}),
      tags,
    };
    return { repository: repositoryView(ctx, save(ctx, repository)) };
  },

  DescribeRepositories(input, ctx) {
    const scope = scopeOf(ctx);
    checkRegistryId(input.registryId, scope);
    if (input.repositoryNames?.length) {
      if (input.maxResults !== undefined || input.nextToken !== undefined) {
        throw invalidParameter("Invalid parameter: maxResults and nextToken cannot be used together with repositoryNames");
      }
      const repositories = input.repositoryNames.map((name) => requireRepository(ctx.state, scope, name));
      return { repositories: repositories.map((repository) => repositoryView(ctx, repository)) };
    }
    const max = checkMaxResults(input.maxResults, 100);
    const offset = input.nextToken === undefined ? 0 : readToken(input.nextToken, isOffset)?.o;
    if (offset === undefined) throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'");
    const all = repositoryTable(ctx.state).list(scope);
    const slice = all.slice(offset, offset + max);
    return {
      repositories: slice.map((repository) => repositoryView(ctx, repository)),
      ...(offset + max < all.length ? { nextToken: encodeToken({ o: offset + max }) } : {}),
    };
  },

  DeleteRepository(input, ctx) {
    const scope = scopeOf(ctx);
    const repository = requireRepository(ctx.state, scope, input.repositoryName, input.registryId);
    const images = imagesOf(ctx.state, scope, repository.name);
    if (images.length > 0 && !input.force) {
      throw new AwsError(
        "RepositoryNotEmptyException",
        `The repository with name '${repository.name}' in registry with id '${ctx.account}' cannot be deleted because it still contains images`,
      );
    }
    deleteRepositoryContents(ctx, repository.name);
    return { repository: repositoryView(ctx, repository) };
  },

  SetRepositoryPolicy(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const policyText = checkPolicy(input.policyText ?? "");
    save(ctx, { ...repository, policy: policyText });
    return { registryId: ctx.account, repositoryName: repository.name, policyText };
  },

  GetRepositoryPolicy(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    if (repository.policy === undefined) throw policyNotFound(ctx, repository.name);
    return { registryId: ctx.account, repositoryName: repository.name, policyText: repository.policy };
  },

  DeleteRepositoryPolicy(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    if (repository.policy === undefined) throw policyNotFound(ctx, repository.name);
    const { policy, ...rest } = repository;
    save(ctx, rest);
    return { registryId: ctx.account, repositoryName: repository.name, policyText: policy };
  },

  PutImageTagMutability(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const imageTagMutability = checkMutability(input.imageTagMutability);
    save(ctx, { ...repository, imageTagMutability });
    return { registryId: ctx.account, repositoryName: repository.name, imageTagMutability };
  },

  PutImageScanningConfiguration(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const scanOnPush = input.imageScanningConfiguration?.scanOnPush ?? false;
    save(ctx, { ...repository, scanOnPush });
    return { registryId: ctx.account, repositoryName: repository.name, imageScanningConfiguration: { scanOnPush } };
  },

  TagResource(input, ctx) {
    const repository = repositoryByArn(ctx, input.resourceArn);
    save(ctx, { ...repository, tags: mergeTags(repository.tags, checkTags(input.tags ?? [])) });
    return {};
  },

  UntagResource(input, ctx) {
    const repository = repositoryByArn(ctx, input.resourceArn);
    const removed = new Set(input.tagKeys ?? []);
    save(ctx, { ...repository, tags: repository.tags.filter((tag) => !removed.has(tag.Key)) });
    return {};
  },

  ListTagsForResource(input, ctx) {
    return { tags: repositoryByArn(ctx, input.resourceArn).tags };
  },
};

const policyNotFound = (ctx: RequestContext, name: string): AwsError =>
  new AwsError("RepositoryPolicyNotFoundException", `Repository policy does not exist for the repository with name '${name}' in the registry with id '${ctx.account}'`);

function deleteRepositoryContents(ctx: RequestContext, name: string): void {
  const scope = scopeOf(ctx);
  const images = imageTable(ctx.state);
  for (const image of imagesOf(ctx.state, scope, name)) images.delete(scope, imageKey(name, image.digest));
  const layers = layerTable(ctx.state);
  for (const layer of layers.list(scope)) if (layer.repository === name) layers.delete(scope, layerKey(name, layer.digest));
  repositoryTable(ctx.state).delete(scope, name);
}
