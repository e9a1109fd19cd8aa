/** EC2's error codes (EC2 models none: these are AWS's documented strings) and the DryRun check. */
import { AwsError } from "../../../shared/aws-error.ts";

export const ec2Error = (code: string, message: string): AwsError => new AwsError(code, message);

/** `InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist` — the shape of EC2's not-found messages. */
export const notFound = (code: string, kind: string, id: string): AwsError =>
  new AwsError(code, `The ${kind} ID '${id}' does not exist`);

export const invalidParameterValue = (message: string): AwsError => new AwsError("InvalidParameterValue", message);

export const missingParameter = (name: string): AwsError =>
  new AwsError("MissingParameter", `The request must contain the parameter ${name}`);

/**
 * DryRun: EC2 answers 412 `DryRunOperation` when the call would have succeeded. Call this after
 * validating the request and before changing anything.
 */
export function checkDryRun(input: { DryRun?: boolean | undefined }): void {
  if (input.DryRun) {
    throw new AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", { status: 412 });
  }
}
