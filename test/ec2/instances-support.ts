/** Shared helpers of the EC2 instance tests: a server with quick transitions, an image to launch, error capture. */
import { DescribeImagesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { clientConfig, startStratus, type RunningStratus, type StartOptions } from "../support/server.ts";

export async function startEc2(options: StartOptions = {}): Promise<{ server: RunningStratus; ec2: EC2Client }> {
  const server = await startStratus({ ...options, env: { STRATUS_EC2_TRANSITION_MS: "300", STRATUS_EC2_STATUS_INIT_MS: "300", ...options.env } });
  return { server, ec2: new EC2Client(clientConfig(server.endpoint)) };
}

/** An x86_64 Amazon Linux 2023 image id of the region, found the way `aws_ami` lookups find it. */
export async function linuxImage(ec2: EC2Client, arch: "x86_64" | "arm64" = "x86_64"): Promise<string> {
  const found = await ec2.send(
    new DescribeImagesCommand({ Owners: ["amazon"], Filters: [{ Name: "name", Values: ["al2023-ami-2023.*-kernel-6.1-*"] }, { Name: "architecture", Values: [arch] }] }),
  );
  const id = found.Images?.[0]?.ImageId;
  if (!id) throw new Error(`no Amazon Linux 2023 ${arch} image in the catalogue`);
  return id;
}

/** The error a promise rejects with (fails when it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name ?? "", message: e.message ?? "", status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
