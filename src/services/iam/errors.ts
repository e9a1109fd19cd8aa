/** IAM's errors with the HTTP status and wording IAM uses (awsQuery codes; the codec maps them to the modelled shapes). */
import { AwsError } from "../../shared/aws-error.ts";

export const noSuchEntity = (message: string): AwsError => new AwsError("NoSuchEntity", message, { status: 404 });
export const entityAlreadyExists = (message: string): AwsError => new AwsError("EntityAlreadyExists", message, { status: 409 });
export const deleteConflict = (message: string): AwsError => new AwsError("DeleteConflict", message, { status: 409 });
export const limitExceeded = (message: string): AwsError => new AwsError("LimitExceeded", message, { status: 409 });
export const invalidInput = (message: string): AwsError => new AwsError("InvalidInput", message, { status: 400 });
export const malformedPolicy = (message: string): AwsError => new AwsError("MalformedPolicyDocument", message, { status: 400 });
export const validationError = (message: string): AwsError => new AwsError("ValidationError", message, { status: 400 });

/** Coral's constraint message, e.g. `Value 'x' at 'roleName' failed to satisfy constraint: …`. */
export const constraintViolation = (value: unknown, member: string, constraint: string): AwsError =>
  validationError(
    `1 validation error detected: Value ${value === undefined || value === null ? "null" : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${constraint}`,
  );

export const roleNotFound = (name: string): AwsError => noSuchEntity(`The role with name ${name} cannot be found.`);
export const userNotFound = (name: string): AwsError => noSuchEntity(`The user with name ${name} cannot be found.`);
export const instanceProfileNotFound = (name: string): AwsError => noSuchEntity(`Instance Profile ${name} cannot be found.`);
/** GetPolicy and friends on an ARN that names no policy. */
export const policyNotFound = (arn: string): AwsError => noSuchEntity(`Policy ${arn} was not found.`);
/** Attaching (or using as a boundary) an ARN that names no policy. */
export const policyNotAttachable = (arn: string): AwsError => noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
