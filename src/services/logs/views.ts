/** Records as the API returns them: LogGroup and LogStream shapes, with ARNs and tokens. */
import type { LogGroup, LogStream } from "@aws-sdk/client-cloudwatch-logs";
import type { Scope } from "../../state/state-store.ts";
import { groupArn, streamArn, type LogGroupRecord, type LogStreamRecord } from "./state.ts";

/** Sequence tokens look like AWS's: a long run of digits (clients only echo them back, and AWS now ignores them). */
export const sequenceToken = (seq: number): string => String(seq).padStart(56, "0");

export function groupView(scope: Scope, group: LogGroupRecord, storedBytes: number): LogGroup {
  const arn = groupArn(scope, group.logGroupName);
  return {
    logGroupName: group.logGroupName,
    creationTime: group.creationTime,
    ...(group.retentionInDays !== undefined ? { retentionInDays: group.retentionInDays } : {}),
    metricFilterCount: 0,
    arn: `${arn}:*`,
    storedBytes,
    ...(group.kmsKeyId !== undefined ? { kmsKeyId: group.kmsKeyId } : {}),
    logGroupClass: group.logGroupClass,
    logGroupArn: arn,
    deletionProtectionEnabled: group.deletionProtectionEnabled ?? false,
  };
}

export function streamView(scope: Scope, stream: LogStreamRecord): LogStream {
  return {
    logStreamName: stream.logStreamName,
    creationTime: stream.creationTime,
    ...(stream.firstEventTimestamp !== undefined ? { firstEventTimestamp: stream.firstEventTimestamp } : {}),
    ...(stream.lastEventTimestamp !== undefined ? { lastEventTimestamp: stream.lastEventTimestamp } : {}),
    ...(stream.lastIngestionTime !== undefined ? { lastIngestionTime: stream.lastIngestionTime } : {}),
    uploadSequenceToken: sequenceToken(stream.nextSeq),
    arn: streamArn(scope, stream.logGroupName, stream.logStreamName),
    // AWS stopped reporting per-stream storedBytes in 2019 and always answers 0.
    storedBytes: 0,
  };
}
