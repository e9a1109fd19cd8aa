/** EC2 paging: MaxResults within the operation's bounds and an opaque NextToken. */
import { AwsError } from "../../../shared/aws-error.ts";
import { encodeToken, isOffset, readToken } from "../../page-tokens.ts";

export interface Page<T> {
  items: T[];
  nextToken: string | undefined;
}

function decodeOffset(token: string): number {
  const value = readToken(token, isOffset);
  if (!value) throw new AwsError("InvalidParameterValue", `The value supplied for the NextToken parameter is invalid: ${token}`);
  return value.o;
}

/**
 * One page of `items`. Without MaxResults everything is returned (as DescribeInstances does when no
 * MaxResults is given); with it, MaxResults must lie in [min, max] (EC2: 5–1000 for most Describe calls).
 */
export function paginate<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  bounds: { min: number; max: number } = { min: 5, max: 1000 },
): Page<T> {
  const offset = nextToken ? decodeOffset(nextToken) : 0;
  if (maxResults === undefined) return { items: items.slice(offset), nextToken: undefined };
  if (maxResults < bounds.min || maxResults > bounds.max) {
    throw new AwsError("InvalidParameterValue", `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${bounds.min} and ${bounds.max}.`);
  }
  const end = offset + maxResults;
  return { items: items.slice(offset, end), nextToken: end < items.length ? encodeToken({ o: end }) : undefined };
}
