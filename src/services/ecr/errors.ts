/** ECR's errors and input checks, worded as ECR words them. */
import { AwsError } from "../../shared/aws-error.ts";
import type { Scope, StateStore } from "../../state/state-store.ts";
import { repositoryTable, type RepositoryRecord } from "./state.ts";

export const invalidParameter = (message: string): AwsError => new AwsError("InvalidParameterException", message);

export const repositoryNotFound = (name: string, account: string): AwsError =>
  new AwsError("RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${account}'`);

export const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function checkRepositoryName(name: string): string {
  if (name.length < 2 || name.length > 256 || !REPOSITORY_NAME.test(name)) {
    throw invalidParameter(
      `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`,
    );
  }
  return name;
}

/** registryId, when given, must be the caller's account (cross-account registries are not modelled). */
export function checkRegistryId(registryId: string | undefined, scope: Scope): void {
  if (registryId !== undefined && registryId !== scope.account) {
    if (!/^[0-9]{12}$/.test(registryId)) throw invalidParameter(`Invalid parameter at 'registryId' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''`);
    throw new AwsError("RepositoryNotFoundException", `The registry with id '${registryId}' is not accessible to this account`);
  }
}

export function requireRepository(state: StateStore, scope: Scope, name: string | undefined, registryId?: string): RepositoryRecord {
  checkRegistryId(registryId, scope);
  const checked = checkRepositoryName(name ?? "");
  const repository = repositoryTable(state).get(scope, checked);
  if (!repository) throw repositoryNotFound(checked, scope.account);
  return repository;
}

/** ECR tag rules: 1–128 character keys, values up to 256, at most 50 tags, no `aws:` prefix. */
export function checkTags(tags: Array<{ Key?: string; Value?: string }>): Array<{ Key: string; Value: string }> {
  const out: Array<{ Key: string; Value: string }> = [];
  for (const tag of tags) {
    const key = tag.Key ?? "";
    const value = tag.Value ?? "";
    if (key.length < 1 || key.length > 128) throw new AwsError("InvalidTagParameterException", "Tag keys must be between 1 and 128 characters in length.");
    if (value.length > 256) throw new AwsError("InvalidTagParameterException", "Tag values must be at most 256 characters in length.");
    if (key.toLowerCase().startsWith("aws:")) throw new AwsError("InvalidTagParameterException", "Tag keys starting with 'aws:' are reserved.");
    out.push({ Key: key, Value: value });
  }
  return out;
}

export function mergeTags(current: Array<{ Key: string; Value: string }>, added: Array<{ Key: string; Value: string }>): Array<{ Key: string; Value: string }> {
  const merged = new Map(current.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) merged.set(tag.Key, tag.Value);
  if (merged.size > 50) throw new AwsError("TooManyTagsException", "The repository can have at most 50 tags.");
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

export function checkMaxResults(maxResults: number | undefined, fallback: number): number {
  if (maxResults === undefined) return fallback;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
    throw invalidParameter(`Invalid parameter at 'maxResults' failed to satisfy constraint: 'must be less than or equal to 1000 and greater than or equal to 1'`);
  }
  return maxResults;
}
