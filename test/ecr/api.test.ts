/** What ECS and Lambda import from ECR (src/services/ecr/api.ts), and the registry token's lifetime and signature. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isRegistryImage, localImageReference, registryAuthFor, registryHostOf } from "../../src/services/ecr/api.ts";
import { issuePassword, TOKEN_LIFETIME_MS, verifyPassword } from "../../src/services/ecr/token.ts";
import { StateStore } from "../../src/state/state-store.ts";

const endpoint = "http://127.0.0.1:4566";

describe("ECR api.ts", () => {
  it("names the registry host and recognises references to it", () => {
    assert.equal(registryHostOf(endpoint), "127.0.0.1:4566");
    assert.equal(registryHostOf("http://localhost:5000/"), "localhost:5000");
    assert.ok(isRegistryImage("127.0.0.1:4566/app:v1", endpoint));
    assert.ok(isRegistryImage("localhost:4566/team/app@sha256:abc", endpoint));
    assert.ok(isRegistryImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:latest", endpoint));
    assert.ok(!isRegistryImage("127.0.0.1:5000/app:v1", endpoint));
    assert.ok(!isRegistryImage("busybox:latest", endpoint));
    assert.ok(!isRegistryImage("library/busybox", endpoint));
    assert.ok(!isRegistryImage("docker.io/library/busybox", endpoint));
  });

  it("rewrites AWS-style ECR URIs to the local registry and leaves others alone", () => {
    assert.equal(localImageReference("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v2", endpoint), "127.0.0.1:4566/team/app:v2");
    assert.equal(localImageReference("123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:00", endpoint), "127.0.0.1:4566/app@sha256:00");
    assert.equal(localImageReference("127.0.0.1:4566/app:v1", endpoint), "127.0.0.1:4566/app:v1");
    assert.equal(localImageReference("busybox", endpoint), "busybox");
  });

  it("registry credentials carry a password naming the account and region", () => {
    const state = new StateStore(undefined);
    const auth = registryAuthFor(state, "111122223333", "eu-west-1", endpoint);
    assert.equal(auth.serveraddress, "127.0.0.1:4566");
    assert.equal(auth.username, "AWS");
    assert.deepEqual(verifyPassword(state, auth.password), { account: "111122223333", region: "eu-west-1" });
  });

  it("tokens expire after 12 hours and cannot be altered", () => {
    const state = new StateStore(undefined);
    const now = Date.now();
    const { password, expiresAt } = issuePassword(state, { account: "000000000000", region: "us-east-1" }, now);
    assert.equal(expiresAt, now + TOKEN_LIFETIME_MS);
    assert.ok(verifyPassword(state, password, now + TOKEN_LIFETIME_MS - 1));
    assert.equal(verifyPassword(state, password, now + TOKEN_LIFETIME_MS), undefined);
    const [payload, signature] = password.split(".");
    const altered = Buffer.from(JSON.stringify({ a: "999999999999", r: "us-east-1", e: now + 1e9 })).toString("base64url");
    assert.equal(verifyPassword(state, `${altered}.${signature}`), undefined);
    assert.equal(verifyPassword(state, `${payload}.`), undefined);
    assert.equal(verifyPassword(state, "garbage"), undefined);
    assert.equal(verifyPassword(new StateStore(undefined), password), undefined, "another key does not verify it");
  });
});
