/** Shared bits of the Logs tests: a started Stratus with a Logs client, and the SDK failure a call throws. */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { clientConfig, startStratus, type RunningStratus, type StartOptions } from "../support/server.ts";

export type SdkFailure = Error & Record<string, unknown> & { $metadata: { httpStatusCode?: number } };

/** Awaits a call expected to fail and returns the SDK's exception. */
export async function failure(promise: Promise<unknown>): Promise<SdkFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as SdkFailure;
    throw error;
  }
  throw new Error("expected the call to fail");
}

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
