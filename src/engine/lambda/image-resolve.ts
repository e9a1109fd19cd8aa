/** Resolves a function's ImageUri to a digest, as Lambda does when the function is created or its code updated. */
import { createDockerClient, DockerError, splitImageReference } from "../docker/client.ts";
import { ImageUnavailable } from "./image-environment.ts";

/** Manifest kinds a registry may hold for an image (Docker v2, OCI, and their multi-platform lists). */
const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

/**
 * The manifest digest (sha256:…) of `name:tag` in Stratus's own registry, asked over its HTTP API (HEAD …/manifests/…)
 * with the account's registry credentials: no Docker engine is needed to create an image function. Undefined when the
 * registry has no such image.
 */
export async function registryDigest(endpoint: string, reference: string, auth: { username: string; password: string }): Promise<string | undefined> {
  const { repository, tag } = splitImageReference(reference);
  const slash = repository.indexOf("/");
  const name = slash >= 0 ? repository.slice(slash + 1) : repository;
  if (tag.startsWith("sha256:")) return tag;
  const url = `${endpoint.replace(/\/$/, "")}/v2/${name}/manifests/${encodeURIComponent(tag)}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "HEAD",
      headers: { accept: MANIFEST_TYPES, authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` },
    });
  } catch (error) {
    throw new ImageUnavailable(`Stratus's registry at ${endpoint} did not answer: ${(error as Error).message}`);
  }
  if (res.status === 404) return undefined;
  const digest = res.headers.get("docker-content-digest");
  if (!res.ok || !digest) throw new ImageUnavailable(`Stratus's registry answered HTTP ${res.status} for ${reference}`);
  return digest;
}

/** A local image: its digest (the registry digest it was pulled or pushed with, else its id) and its id. */
export interface LocalImage {
  digest: string;
  id: string;
}

/** Looks the image up in the local Docker engine; undefined when absent. Throws ImageUnavailable without an engine. */
export async function localImage(reference: string): Promise<LocalImage | undefined> {
  try {
    const found = await createDockerClient().imageInspect(reference);
    if (!found) return undefined;
    const repoDigest = found.RepoDigests?.[0];
    const digest = repoDigest?.includes("@") ? repoDigest.slice(repoDigest.indexOf("@") + 1) : found.Id;
    return { digest, id: found.Id };
  } catch (error) {
    if (error instanceof DockerError && error.status === 0) throw new ImageUnavailable(error.message);
    throw error;
  }
}
