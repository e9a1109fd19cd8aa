/** Shared bits of the Logs tests: a started Stratus with a Logs client, and the SDK failure a call throws. */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { clientConfig, startStratus, type RunningStratus, type StartOptions } from "../support/server.ts";

export { sdkFailure as failure, type SdkFailure } from "../support/assertions.ts";

export async function startLogs(options: StartOptions = {}): Promise<{ server: RunningStratus; logs: CloudWatchLogsClient; close: () => Promise<void> }> {
  const server = await startStratus(options);
  const logs = new CloudWatchLogsClient(clientConfig(server.endpoint));
  return {
    server,
    logs,
    close: async () => {
      logs.destroy();
      await server.stop();
    },
  };
}
