/** ECR lifecycle policies: validation as PutLifecyclePolicy does it, and which images a policy expires (preview and apply). */
import { AwsError } from "../../shared/aws-error.ts";
import type { ImageRecord } from "./state.ts";

interface Selection {
  tagStatus: "tagged" | "untagged" | "any";
  tagPrefixList?: string[];
  tagPatternList?: string[];
  countType: "imageCountMoreThan" | "sinceImagePushed";
  countUnit?: string;
  countNumber: number;
}

export interface LifecycleRule {
  rulePriority: number;
  selection: Selection;
}

const invalid = (detail: string): AwsError =>
  new AwsError("InvalidParameterException", `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: '${detail}'`);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

const stringList = (value: unknown, name: string): string[] | undefined => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((item): item is string => typeof item === "string" && item.length > 0)) {
    throw invalid(`${name} must be a non-empty list of non-empty strings`);
  }
  return value;
};

/** Parses the policy text; every violation AWS rejects is an InvalidParameterException. */
export function parseLifecyclePolicy(text: string): LifecycleRule[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid("Lifecycle policy is not valid JSON");
  }
  if (!isRecord(json) || !Array.isArray(json.rules) || json.rules.length === 0) throw invalid("Lifecycle policy must contain a non-empty rules list");
  const rules: LifecycleRule[] = [];
  const priorities = new Set<number>();
  for (const raw of json.rules) {
    if (!isRecord(raw)) throw invalid("each rule must be an object");
    const { rulePriority, selection, action, description } = raw;
    if (typeof rulePriority !== "number" || !Number.isInteger(rulePriority) || rulePriority < 1) throw invalid("rulePriority must be a positive integer");
    if (priorities.has(rulePriority)) throw invalid("rulePriority must be unique");
    priorities.add(rulePriority);
    if (description !== undefined && typeof description !== "string") throw invalid("description must be a string");
    if (!isRecord(action) || action.type !== "expire") throw invalid("action type must be 'expire'");
    if (!isRecord(selection)) throw invalid("selection is required");
    const { tagStatus, countType, countUnit, countNumber } = selection;
    if (tagStatus !== "tagged" && tagStatus !== "untagged" && tagStatus !== "any") throw invalid("tagStatus must be one of tagged, untagged, any");
    const tagPrefixList = stringList(selection.tagPrefixList, "tagPrefixList");
    const tagPatternList = stringList(selection.tagPatternList, "tagPatternList");
    if (tagStatus === "tagged" && !tagPrefixList && !tagPatternList) throw invalid("tagPrefixList or tagPatternList is required when tagStatus is tagged");
    if (tagPrefixList && tagPatternList) throw invalid("tagPrefixList and tagPatternList cannot both be specified");
    if (tagStatus !== "tagged" && (tagPrefixList || tagPatternList)) throw invalid("tag lists are only allowed when tagStatus is tagged");
    if (tagPatternList?.some((pattern) => (pattern.match(/\*/g)?.length ?? 0) > 4)) throw invalid("a tag pattern may contain at most 4 wildcards");
    if (typeof countNumber !== "number" || !Number.isInteger(countNumber) || countNumber < 1) throw invalid("countNumber must be a positive integer");
    if (countType === "imageCountMoreThan") {
      if (countUnit !== undefined) throw invalid("countUnit cannot be specified when countType is imageCountMoreThan");
    } else if (countType === "sinceImagePushed") {
      if (countUnit !== "days") throw invalid("countUnit must be 'days' when countType is sinceImagePushed");
    } else throw invalid("countType must be imageCountMoreThan or sinceImagePushed");
    rules.push({ rulePriority, selection: { tagStatus, tagPrefixList, tagPatternList, countType, countUnit, countNumber } });
  }
  rules.sort((a, b) => a.rulePriority - b.rulePriority);
  const anyIndex = rules.findIndex((rule) => rule.selection.tagStatus === "any");
  // AWS: a rule with tagStatus any must have the highest rulePriority value (evaluated last).
  if (anyIndex >= 0 && anyIndex !== rules.length - 1) throw invalid("a rule with tagStatus any must have the highest rulePriority");
  return rules;
}

const wildcard = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

function selects(selection: Selection, image: ImageRecord): boolean {
  if (selection.tagStatus === "untagged") return image.tags.length === 0;
  if (selection.tagStatus === "any") return true;
  if (image.tags.length === 0) return false;
  // AWS: with several prefixes (or patterns) only images carrying tags matching all of them are selected.
  if (selection.tagPrefixList) return selection.tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
  return (selection.tagPatternList ?? []).every((pattern) => image.tags.some((tag) => wildcard(pattern).test(tag)));
}

const DAY_MS = 86_400_000;

/**
 * Images the rules expire, each with the rule that expires it. An image selected by a rule is not considered by rules
 * of lower priority (AWS: "an image that matches the tagging requirements of a rule cannot be expired by a rule with a
 * lower priority"). `protectedDigests` (children of indexes) are never expired.
 */
export function evaluateLifecycle(
  rules: LifecycleRule[],
  images: ImageRecord[],
  protectedDigests: Set<string>,
  now = Date.now(),
): Array<{ image: ImageRecord; rulePriority: number }> {
  const claimed = new Set<string>();
  const expired: Array<{ image: ImageRecord; rulePriority: number }> = [];
  for (const rule of rules) {
    const candidates = images
      .filter((image) => !claimed.has(image.digest) && selects(rule.selection, image))
      .sort((a, b) => b.pushedAt - a.pushedAt);
    for (const image of candidates) claimed.add(image.digest);
    const { countType, countNumber } = rule.selection;
    const doomed = countType === "imageCountMoreThan" ? candidates.slice(countNumber) : candidates.filter((image) => now - image.pushedAt > countNumber * DAY_MS);
    for (const image of doomed) if (!protectedDigests.has(image.digest)) expired.push({ image, rulePriority: rule.rulePriority });
  }
  return expired;
}
