/** Lambda's errors with the messages and `Type` member AWS sends. */
import { AwsError } from "../../shared/aws-error.ts";

export const invalidParameter = (message: string): AwsError =>
  new AwsError("InvalidParameterValueException", message, { status: 400, fields: { Type: "User" } });

export const notFound = (message: string): AwsError => new AwsError("ResourceNotFoundException", message, { status: 404, fields: { Type: "User" } });

export const conflict = (message: string): AwsError => new AwsError("ResourceConflictException", message, { status: 409, fields: { Type: "User" } });

export const preconditionFailed = (): AwsError =>
  new AwsError("PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id", {
    status: 412,
    fields: { Type: "User" },
  });

/** Lambda answers constraint violations as a (not modelled) ValidationException, like the other newer AWS APIs. */
export const validation = (value: unknown, member: string, rule: string): AwsError =>
  new AwsError("ValidationException", `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`, { status: 400 });

export const tooManyRequests = (reason: string, message: string): AwsError =>
  new AwsError("TooManyRequestsException", message, { status: 429, fields: { Type: "User", Reason: reason } });

export const functionNotFound = (arn: string): AwsError => notFound(`Function not found: ${arn}`);
