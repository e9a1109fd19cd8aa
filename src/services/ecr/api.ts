/** What other services (ECS, Lambda) call in-process about ECR: registry credentials and image references naming this registry. */
import type { StateStore } from "../../state/state-store.ts";
import { hostOf } from "./state.ts";
import { issuePassword } from "./token.ts";

/** e.g. "127.0.0.1:4566" for http://127.0.0.1:4566: the registry host docker pushes to and pulls from. */
export const registryHostOf = (endpoint: string): string => hostOf(endpoint);

/**
 * Credentials for Docker's Engine API `X-Registry-Auth` (base64 JSON of this object) to pull from this registry as the
 * given account and region: the same password `aws ecr get-login-password` prints (valid 12 hours).
 */
export function registryAuthFor(
  state: StateStore,
  account: string,
  region: string,
  endpoint: string,
): { serveraddress: string; username: string; password: string } {
  const { password } = issuePassword(state, { account, region });
  return { serveraddress: registryHostOf(endpoint), username: "AWS", password };
}

const AWS_REGISTRY = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(.+)$/;

/** The registry part of an image reference (before the first slash, when it looks like a host). */
function registryPart(image: string): string | undefined {
  const slash = image.indexOf("/");
  if (slash < 0) return undefined;
  const head = image.slice(0, slash);
  return head.includes(".") || head.includes(":") || head === "localhost" ? head : undefined;
}

/** True when the reference names this registry: `127.0.0.1:PORT/…`, `localhost:PORT/…`, or `<acct>.dkr.ecr.<region>.amazonaws.com/…`. */
export function isRegistryImage(image: string, endpoint: string): boolean {
  if (AWS_REGISTRY.test(image)) return true;
  const registry = registryPart(image);
  if (!registry) return false;
  const own = registryHostOf(endpoint);
  const port = own.includes(":") ? own.slice(own.lastIndexOf(":") + 1) : "";
  return registry === own || registry === `127.0.0.1:${port}` || registry === `localhost:${port}`;
}

/** The account and region an AWS-style ECR URI names (undefined for other references). */
export function awsImageScope(image: string): { account: string; region: string } | undefined {
  const match = AWS_REGISTRY.exec(image);
  return match?.[1] && match[2] ? { account: match[1], region: match[2] } : undefined;
}

/** Rewrites `<acct>.dkr.ecr.<region>.amazonaws.com/name:tag` to `127.0.0.1:PORT/name:tag`; other references unchanged. */
export function localImageReference(image: string, endpoint: string): string {
  const match = AWS_REGISTRY.exec(image);
  if (!match?.[3]) return image;
  return `${registryHostOf(endpoint)}/${match[3]}`;
}
