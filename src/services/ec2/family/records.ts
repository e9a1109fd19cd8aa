/** Shared helpers of the family's records: stored timestamps and the one typed cast to the SDK's Date. */

/** Records keep timestamps as ISO strings; the ec2 codec writes a string where the SDK type says Date. */
export const isoAsDate = (iso: string): Date => iso as unknown as Date;

/** Now as EC2 writes it: ISO-8601 with milliseconds, UTC. */
export const nowIso = (): string => new Date().toISOString();

