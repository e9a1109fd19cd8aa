/** CloudWatch Logs errors as the service words them (modelled shapes; the codec supplies the statuses). */
import { AwsError } from "../../shared/aws-error.ts";

export const invalidParameter = (message: string): AwsError => new AwsError("InvalidParameterException", message);
export const resourceNotFound = (message: string): AwsError => new AwsError("ResourceNotFoundException", message);
export const alreadyExists = (message: string): AwsError => new AwsError("ResourceAlreadyExistsException", message);

export const groupNotFound = (): AwsError => resourceNotFound("The specified log group does not exist.");
export const streamNotFound = (): AwsError => resourceNotFound("The specified log stream does not exist.");
export const invalidToken = (): AwsError => invalidParameter("The specified nextToken is invalid.");

/** Coral's constraint wording, which Logs returns as InvalidParameterException. */
export const constraint = (value: unknown, member: string, rule: string): AwsError =>
  invalidParameter(
    `1 validation error detected: Value ${value === undefined || value === null ? "null" : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${rule}`,
  );
