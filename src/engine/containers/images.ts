/** Image resolution as the ECS agent does it: Stratus's registry is always pulled (with its credentials), others used when local. */
import { DockerError, type DockerClient } from "../docker/client.ts";
import type { RunnerServices, TaskLaunch } from "./types.ts";

/** A pull that failed: the message is ECS's container and task reason. */
export class PullFailure extends Error {}

/** `<host>/repo:tag` → `<serveraddress>/repo:tag` (an ECR-style or 127.0.0.1:PORT host becomes the address the registry gave). */
export function rewriteToRegistry(image: string, serveraddress: string): string {
  const server = serveraddress.replace(/^[a-z]+:\/\//, "").replace(/\/+$/, "");
  const slash = image.indexOf("/");
  const first = slash >= 0 ? image.slice(0, slash) : "";
  const isHost = first.includes(".") || first.includes(":") || first === "localhost";
  let rest = isHost ? image.slice(slash + 1) : image;
  const lastSlash = rest.lastIndexOf("/");
  if (!rest.includes("@") && rest.lastIndexOf(":") <= lastSlash) rest += ":latest";
  return `${server}/${rest}`;
}

export interface ResolvedImage {
  /** The reference Docker runs. */
  reference: string;
  /** The image id (sha256:…). */
  imageId: string;
  /** The registry digest when the image came from a registry, else the image id. */
  digest: string;
}

function repositoryOf(reference: string): string {
  const at = reference.indexOf("@");
  if (at >= 0) return reference.slice(0, at);
  const colon = reference.lastIndexOf(":");
  return colon > reference.lastIndexOf("/") ? reference.slice(0, colon) : reference;
}

export async function resolveImage(client: DockerClient, services: RunnerServices, task: TaskLaunch, image: string): Promise<ResolvedImage> {
  const auth = services.registryAuth(task, image);
  let reference = image;
  try {
    if (auth) {
      reference = rewriteToRegistry(image, auth.serveraddress);
      await client.imagePull(reference, auth);
    } else if (!(await client.imageInspect(image))) {
      await client.imagePull(image);
    }
  } catch (error) {
    if (error instanceof DockerError && error.status === 0) throw error;
    throw new PullFailure(`CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: ${(error as Error).message}`);
  }
  const info = await client.imageInspect(reference);
  if (!info) throw new PullFailure(`CannotPullContainerError: ${reference}: image not found after pull`);
  const repository = repositoryOf(reference);
  const repoDigest = (info.RepoDigests ?? []).find((candidate) => candidate.startsWith(`${repository}@`));
  return { reference, imageId: info.Id, digest: repoDigest ? repoDigest.slice(repoDigest.indexOf("@") + 1) : info.Id };
}
