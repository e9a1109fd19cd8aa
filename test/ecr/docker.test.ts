/** Real clients against the registry: aws ecr get-login-password | docker login, docker push/pull, skopeo copy in and out, and a restart. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BatchDeleteImageCommand, CreateRepositoryCommand, DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { busyboxImage, dockerSkip } from "../support/docker.ts";
import { cliEnv } from "../support/server.ts";
import { acrossRestart, ecrFixture, registryPassword, type EcrFixture } from "./support.ts";

const skip = dockerSkip();
const created: string[] = [];
const dockerConfig = mkdtempSync(join(tmpdir(), "stratus-docker-config-"));

/** Runs a command with this test's DOCKER_CONFIG (so `docker login` never touches ~/.docker). */
function run(command: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { input, encoding: "utf8", timeout: 180_000, env: { ...env, DOCKER_CONFIG: dockerConfig } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function must(command: string, args: string[], input?: string, env?: NodeJS.ProcessEnv): string {
  const result = run(command, args, input, env);
  assert.equal(result.status, 0, `${command} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** Removes every tag and digest reference this test left under a registry host (docker keeps repo digests after untagging). */
function removeImagesOf(registry: string): void {
  const listed = run("docker", ["images", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}"]).stdout;
  for (const line of listed.split("\n")) {
    const [repository = "", imageTag = "", digest = ""] = line.split(" ");
    if (!repository.startsWith(`${registry}/`)) continue;
    if (imageTag && imageTag !== "<none>") run("docker", ["rmi", "-f", `${repository}:${imageTag}`]);
    if (digest && digest !== "<none>") run("docker", ["rmi", "-f", `${repository}@${digest}`]);
  }
}

function tag(source: string, target: string): string {
  must("docker", ["tag", source, target]);
  created.push(target);
  return target;
}

let fx: EcrFixture;
let host: string;

after(() => rmSync(dockerConfig, { recursive: true, force: true }));

describe("ECR with docker and skopeo", { skip }, () => {
  before(async () => {
    fx = await ecrFixture();
    host = `127.0.0.1:${fx.server.port}`;
    busyboxImage();
    for (const name of ["docker/app", "docker/immutable", "skopeo/app"]) {
      await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: name, ...(name.endsWith("immutable") ? { imageTagMutability: "IMMUTABLE" } : {}) }));
    }
    const password = must("aws", ["ecr", "get-login-password"], undefined, cliEnv(fx.server.endpoint)).trim();
    must("docker", ["login", "--username", "AWS", "--password-stdin", host], password);
  });

  after(async () => {
    for (const image of created) run("docker", ["rmi", "-f", image]);
    if (host) removeImagesOf(host);
    await fx?.close();
  });

  it("docker push appears in DescribeImages; docker pull works; BatchDeleteImage makes the pull fail", async () => {
    const image = tag(busyboxImage(), `${host}/docker/app:v1`);
    const pushed = must("docker", ["push", image]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
    assert.ok(digest, pushed);
    const { imageDetails } = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "docker/app" }));
    assert.equal(imageDetails?.length, 1);
    assert.equal(imageDetails?.[0]?.imageDigest, digest);
    assert.deepEqual(imageDetails?.[0]?.imageTags, ["v1"]);
    assert.equal(imageDetails?.[0]?.imageManifestMediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.ok((imageDetails?.[0]?.imageSizeInBytes ?? 0) > 500_000);

    must("docker", ["rmi", image]);
    must("docker", ["pull", image]);
    assert.equal(must("docker", ["run", "--rm", "--network", "none", image, "echo", "pulled"]).trim(), "pulled");

    await fx.ecr.send(new BatchDeleteImageCommand({ repositoryName: "docker/app", imageIds: [{ imageTag: "v1" }] }));
    must("docker", ["rmi", image]);
    const pull = run("docker", ["pull", image]);
    assert.notEqual(pull.status, 0);
    assert.match(pull.stderr, /not found|manifest unknown/i);
  });

  it("an immutable tag cannot be pushed over; pushing to a missing repository fails", async () => {
    const first = tag(busyboxImage(), `${host}/docker/immutable:v1`);
    must("docker", ["push", first]);
    // A different image (another config) under the same tag.
    const changed = `${host}/docker/immutable:v1`;
    must("docker", ["build", "-t", changed, "-"], `FROM ${busyboxImage()}\nLABEL changed=yes\n`);
    const again = run("docker", ["push", changed]);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /immutable|tag invalid/i);
    const missing = tag(busyboxImage(), `${host}/docker/missing:v1`);
    const refused = run("docker", ["push", missing]);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /name unknown|does not exist/i);
  });

  it("skopeo copies from the Docker daemon into the registry and back out to dir: and oci:", async () => {
    const password = await registryPassword(fx.ecr);
    const source = busyboxImage();
    must("skopeo", ["copy", "--dest-tls-verify=false", "--dest-creds", `AWS:${password}`, `docker-daemon:${source}`, `docker://${host}/skopeo/app:in`]);
    const listed = JSON.parse(must("skopeo", ["list-tags", "--tls-verify=false", "--creds", `AWS:${password}`, `docker://${host}/skopeo/app`])) as { Tags: string[] };
    assert.deepEqual(listed.Tags, ["in"]);
    const out = mkdtempSync(join(tmpdir(), "stratus-skopeo-"));
    try {
      must("skopeo", ["copy", "--src-tls-verify=false", "--src-creds", `AWS:${password}`, `docker://${host}/skopeo/app:in`, `dir:${join(out, "dir")}`]);
      assert.ok(existsSync(join(out, "dir", "manifest.json")));
      assert.ok(readdirSync(join(out, "dir")).length >= 4);
      must("skopeo", ["copy", "--src-tls-verify=false", "--src-creds", `AWS:${password}`, `docker://${host}/skopeo/app:in`, `oci:${join(out, "oci")}:copy`]);
      assert.ok(existsSync(join(out, "oci", "index.json")));
      // Back in as an OCI image manifest under another tag.
      must("skopeo", ["copy", "--dest-tls-verify=false", "--dest-creds", `AWS:${password}`, `oci:${join(out, "oci")}:copy`, `docker://${host}/skopeo/app:oci`]);
      const { imageDetails } = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "skopeo/app", imageIds: [{ imageTag: "oci" }] }));
      assert.equal(imageDetails?.[0]?.imageManifestMediaType, "application/vnd.oci.image.manifest.v1+json");
      const bad = run("skopeo", ["inspect", "--tls-verify=false", "--creds", "AWS:wrong", `docker://${host}/skopeo/app:in`]);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /unauthorized|authentication/i);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("ECR registry persistence", { skip }, () => {
  it("an image pushed before a restart with the same data dir pulls after it, with the same credentials", async () => {
    let image = "";
    try {
      await acrossRestart(
        async (server, ecr) => {
          await ecr.send(new CreateRepositoryCommand({ repositoryName: "persist/app" }));
          must("docker", ["login", "--username", "AWS", "--password-stdin", `127.0.0.1:${server.port}`], await registryPassword(ecr));
          image = tag(busyboxImage(), `127.0.0.1:${server.port}/persist/app:v1`);
          must("docker", ["push", image]);
        },
        async (_server, ecr) => {
          must("docker", ["rmi", image]);
          // The login from before the restart still works: the token key is kept in state.
          must("docker", ["pull", image]);
          const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: "persist/app" }));
          assert.deepEqual(imageDetails?.[0]?.imageTags, ["v1"]);
        },
      );
    } finally {
      if (image) removeImagesOf(image.slice(0, image.indexOf("/")));
    }
  });
});
