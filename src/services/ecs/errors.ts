/** ECS's error codes and the messages AWS answers with. */
import { AwsError } from "../../shared/aws-error.ts";

export const clientException = (message: string): AwsError => new AwsError("ClientException", message);
export const invalidParameter = (message: string): AwsError => new AwsError("InvalidParameterException", message);
export const clusterNotFound = (): AwsError => new AwsError("ClusterNotFoundException", "Cluster not found.");
export const serviceNotFound = (): AwsError => new AwsError("ServiceNotFoundException", "Service not found.");
export const serviceNotActive = (): AwsError => new AwsError("ServiceNotActiveException", "Service was not ACTIVE.");
export const resourceNotFound = (message: string): AwsError => new AwsError("ResourceNotFoundException", message);
export const resourceInUse = (message: string): AwsError => new AwsError("ResourceInUseException", message);
