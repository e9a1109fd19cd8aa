/** The OCI distribution API by hand-made HTTP: auth challenge, uploads (monolithic, chunked, resumable, mount), manifests, tags and the spec's errors. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { BatchDeleteImageCommand, CreateRepositoryCommand, DescribeImagesCommand, ListImageReferrersCommand } from "@aws-sdk/client-ecr";
import { acrossRestart, ecrFixture, registryPassword, sha256, type EcrFixture } from "./support.ts";

let fx: EcrFixture;
let auth: string;
before(async () => {
  fx = await ecrFixture();
  auth = `Basic ${Buffer.from(`AWS:${await registryPassword(fx.ecr)}`).toString("base64")}`;
  for (const name of ["reg/app", "reg/other", "reg/immutable"]) {
    await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: name, ...(name.endsWith("immutable") ? { imageTagMutability: "IMMUTABLE" } : {}) }));
  }
});
after(async () => fx.close());

interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  code?: string;
}

async function call(method: string, path: string, options: { body?: Uint8Array | string; headers?: Record<string, string>; auth?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const credential = options.auth === undefined ? auth : options.auth;
  if (credential) headers.authorization = credential;
  const response = await fetch(`${fx.server.endpoint}${path}`, { method, headers, body: options.body, redirect: "manual" });
  const body = Buffer.from(await response.arrayBuffer());
  let code: string | undefined;
  if (response.headers.get("content-type")?.startsWith("application/json") && body.length > 0) {
    const parsed = JSON.parse(body.toString()) as { errors?: Array<{ code: string }> };
    code = parsed.errors?.[0]?.code;
  }
  return { status: response.status, headers: response.headers, body, code };
}

async function pushBlob(repository: string, bytes: Uint8Array): Promise<string> {
  const digest = sha256(bytes);
  const reply = await call("POST", `/v2/${repository}/blobs/uploads/?digest=${digest}`, { body: bytes, headers: { "content-type": "application/octet-stream" } });
  assert.equal(reply.status, 201, reply.body.toString());
  return digest;
}

async function imageManifest(repository: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", nonce: randomBytes(4).toString("hex") }));
  const layer = randomBytes(2048);
  const configDigest = await pushBlob(repository, config);
  const layerDigest = await pushBlob(repository, layer);
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", size: config.length, digest: configDigest },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: layer.length, digest: layerDigest }],
  });
}

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

describe("OCI registry protocol", () => {
  it("challenges unauthenticated and forged credentials with 401 and a Basic realm; accepts the ECR token", async () => {
    const anonymous = await call("GET", "/v2/", { auth: null });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.code, "UNAUTHORIZED");
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Basic realm="[^"]+",service="ecr.amazonaws.com"$/);
    assert.equal(anonymous.headers.get("docker-distribution-api-version"), "registry/2.0");
    const forged = await call("GET", "/v2/", { auth: `Basic ${Buffer.from("AWS:eyJhIjoiMSJ9.forged").toString("base64")}` });
    assert.equal(forged.status, 401);
    const ok = await call("GET", "/v2/");
    assert.equal(ok.status, 200);
    const bearer = await call("GET", "/v2/", { auth: `Bearer ${await registryPassword(fx.ecr)}` });
    assert.equal(bearer.status, 200);
    const blobs = await call("GET", "/v2/reg/app/tags/list", { auth: null });
    assert.equal(blobs.status, 401);
  });

  it("monolithic upload verifies the digest; blobs answer HEAD, GET and ranges; unknown blobs are BLOB_UNKNOWN", async () => {
    const bytes = randomBytes(5000);
    const wrong = await call("POST", `/v2/reg/app/blobs/uploads/?digest=${sha256("nope")}`, { body: bytes });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.code, "DIGEST_INVALID");
    const digest = await pushBlob("reg/app", bytes);
    const head = await call("HEAD", `/v2/reg/app/blobs/${digest}`);
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), "5000");
    assert.equal(head.headers.get("docker-content-digest"), digest);
    const get = await call("GET", `/v2/reg/app/blobs/${digest}`);
    assert.deepEqual(get.body, bytes);
    const range = await call("GET", `/v2/reg/app/blobs/${digest}`, { headers: { range: "bytes=100-199" } });
    assert.equal(range.status, 206);
    assert.equal(range.headers.get("content-range"), "bytes 100-199/5000");
    assert.deepEqual(range.body, bytes.subarray(100, 200));
    const unknown = await call("GET", `/v2/reg/app/blobs/${sha256("unknown")}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.code, "BLOB_UNKNOWN");
    // Blobs belong to repositories: another repository does not serve it until mounted.
    const elsewhere = await call("HEAD", `/v2/reg/other/blobs/${digest}`);
    assert.equal(elsewhere.status, 404);
    const mounted = await call("POST", `/v2/reg/other/blobs/uploads/?mount=${digest}&from=reg/app`);
    assert.equal(mounted.status, 201);
    assert.equal(mounted.headers.get("location"), `/v2/reg/other/blobs/${digest}`);
    assert.equal((await call("HEAD", `/v2/reg/other/blobs/${digest}`)).status, 200);
    const fallback = await call("POST", `/v2/reg/other/blobs/uploads/?mount=${sha256("absent")}&from=reg/app`);
    assert.equal(fallback.status, 202);
    assert.match(fallback.headers.get("location") ?? "", /^\/v2\/reg\/other\/blobs\/uploads\/.+/);
  });

  it("chunked uploads check Content-Range (416), report progress, resume and finalize; DELETE cancels", async () => {
    const bytes = randomBytes(30_000);
    const started = await call("POST", "/v2/reg/app/blobs/uploads/");
    assert.equal(started.status, 202);
    const location = started.headers.get("location") ?? "";
    assert.ok(started.headers.get("docker-upload-uuid"));
    const first = await call("PATCH", location, { body: bytes.subarray(0, 10_000), headers: { "content-range": "0-9999", "content-type": "application/octet-stream" } });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get("range"), "0-9999");
    const outOfOrder = await call("PATCH", location, { body: bytes.subarray(20_000), headers: { "content-range": "20000-29999" } });
    assert.equal(outOfOrder.status, 416);
    const status = await call("GET", location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get("range"), "0-9999");
    const second = await call("PATCH", location, { body: bytes.subarray(10_000, 20_000), headers: { "content-range": "10000-19999" } });
    assert.equal(second.headers.get("range"), "0-19999");
    const done = await call("PUT", `${location}?digest=${sha256(bytes)}`, { body: bytes.subarray(20_000) });
    assert.equal(done.status, 201);
    assert.equal(done.headers.get("docker-content-digest"), sha256(bytes));
    assert.deepEqual((await call("GET", `/v2/reg/app/blobs/${sha256(bytes)}`)).body, bytes);
    const finished = await call("GET", location);
    assert.equal(finished.status, 404);
    assert.equal(finished.code, "BLOB_UPLOAD_UNKNOWN");

    const cancelled = (await call("POST", "/v2/reg/app/blobs/uploads/")).headers.get("location") ?? "";
    assert.equal((await call("DELETE", cancelled)).status, 204);
    assert.equal((await call("PATCH", cancelled, { body: "x" })).code, "BLOB_UPLOAD_UNKNOWN");
    const badDigest = (await call("POST", "/v2/reg/app/blobs/uploads/")).headers.get("location") ?? "";
    const mismatch = await call("PUT", `${badDigest}?digest=${sha256("something else")}`, { body: "data" });
    assert.equal(mismatch.code, "DIGEST_INVALID");
  });

  it("manifests by tag and digest: push, negotiate, list tags with paging, and the ECR API sees them", async () => {
    const manifest = await imageManifest("reg/app");
    const digest = sha256(manifest);
    const put = await call("PUT", "/v2/reg/app/manifests/v1", { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get("docker-content-digest"), digest);
    assert.equal((await call("PUT", "/v2/reg/app/manifests/v2", { body: manifest, headers: { "content-type": OCI_MANIFEST } })).status, 201);
    for (const reference of ["v1", digest]) {
      const got = await call("GET", `/v2/reg/app/manifests/${reference}`, { headers: { accept: `${OCI_MANIFEST}, application/vnd.docker.distribution.manifest.v2+json` } });
      assert.equal(got.status, 200);
      assert.equal(got.headers.get("content-type"), OCI_MANIFEST);
      assert.equal(got.headers.get("docker-content-digest"), digest);
      assert.equal(got.body.toString(), manifest);
    }
    const head = await call("HEAD", "/v2/reg/app/manifests/v2");
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(Buffer.byteLength(manifest)));
    const refused = await call("GET", "/v2/reg/app/manifests/v1", { headers: { accept: "application/vnd.docker.distribution.manifest.v1+prettyjws" } });
    assert.equal(refused.status, 404);

    const pageOne = await call("GET", "/v2/reg/app/tags/list?n=1");
    assert.deepEqual(JSON.parse(pageOne.body.toString()), { name: "reg/app", tags: ["v1"] });
    assert.equal(pageOne.headers.get("link"), '</v2/reg/app/tags/list?n=1&last=v1>; rel="next"');
    const pageTwo = await call("GET", "/v2/reg/app/tags/list?n=1&last=v1");
    assert.deepEqual(JSON.parse(pageTwo.body.toString()).tags, ["v2"]);
    assert.equal(pageTwo.headers.get("link"), null);

    const { imageDetails } = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "reg/app", imageIds: [{ imageDigest: digest }] }));
    assert.deepEqual(imageDetails?.[0]?.imageTags?.sort(), ["v1", "v2"]);
    assert.equal(imageDetails?.[0]?.imageManifestMediaType, OCI_MANIFEST);
    // A manifest GET is a pull (ECR records lastRecordedPullTime; a HEAD is not).
    assert.ok(imageDetails?.[0]?.lastRecordedPullTime instanceof Date);
    await fx.ecr.send(new BatchDeleteImageCommand({ repositoryName: "reg/app", imageIds: [{ imageDigest: digest }] }));
    const deleted = await call("GET", "/v2/reg/app/manifests/v1");
    assert.equal(deleted.status, 404);
    assert.equal(deleted.code, "MANIFEST_UNKNOWN");
  });

  it("answers MANIFEST_INVALID, MANIFEST_BLOB_UNKNOWN, DIGEST_INVALID, NAME_UNKNOWN, NAME_INVALID and TAG_INVALID", async () => {
    const invalid = await call("PUT", "/v2/reg/app/manifests/bad", { body: "{not json", headers: { "content-type": OCI_MANIFEST } });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.code, "MANIFEST_INVALID");
    const schema1 = await call("PUT", "/v2/reg/app/manifests/bad", { body: JSON.stringify({ schemaVersion: 1, name: "x" }), headers: { "content-type": OCI_MANIFEST } });
    assert.equal(schema1.code, "MANIFEST_INVALID");
    const missingBlob = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", size: 2, digest: sha256("{}") },
      layers: [],
    });
    const unknownBlob = await call("PUT", "/v2/reg/app/manifests/bad", { body: missingBlob, headers: { "content-type": OCI_MANIFEST } });
    assert.equal(unknownBlob.code, "MANIFEST_BLOB_UNKNOWN");
    const index = JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ mediaType: OCI_MANIFEST, size: 10, digest: sha256("child") }] });
    const unknownChild = await call("PUT", "/v2/reg/app/manifests/multi", { body: index, headers: { "content-type": "application/vnd.oci.image.index.v1+json" } });
    assert.equal(unknownChild.code, "MANIFEST_BLOB_UNKNOWN");
    const manifest = await imageManifest("reg/app");
    const wrongDigest = await call("PUT", `/v2/reg/app/manifests/${sha256("other")}`, { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    assert.equal(wrongDigest.code, "DIGEST_INVALID");
    const noRepo = await call("PUT", "/v2/reg/absent/manifests/v1", { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    assert.equal(noRepo.status, 404);
    assert.equal(noRepo.code, "NAME_UNKNOWN");
    const noRepoUpload = await call("POST", "/v2/reg/absent/blobs/uploads/");
    assert.equal(noRepoUpload.code, "NAME_UNKNOWN");
    assert.equal((await call("GET", "/v2/Reg/App/tags/list")).code, "NAME_INVALID");
    assert.equal((await call("GET", "/v2/reg/app/manifests/nothing")).code, "MANIFEST_UNKNOWN");

    const first = await imageManifest("reg/immutable");
    assert.equal((await call("PUT", "/v2/reg/immutable/manifests/v1", { body: first, headers: { "content-type": OCI_MANIFEST } })).status, 201);
    // As on ECR, even the identical manifest cannot be pushed again over an immutable tag.
    const same = await call("PUT", "/v2/reg/immutable/manifests/v1", { body: first, headers: { "content-type": OCI_MANIFEST } });
    assert.equal(same.code, "TAG_INVALID");
    assert.equal((await call("PUT", `/v2/reg/immutable/manifests/${sha256(first)}`, { body: first, headers: { "content-type": OCI_MANIFEST } })).status, 201);
    const second = await imageManifest("reg/immutable");
    const overwrite = await call("PUT", "/v2/reg/immutable/manifests/v1", { body: second, headers: { "content-type": OCI_MANIFEST } });
    assert.equal(overwrite.status, 400);
    assert.equal(overwrite.code, "TAG_INVALID");
  });

  it("stores a Docker manifest list over children pushed by digest, and keeps referenced children", async () => {
    const child = await imageManifest("reg/app");
    const childDigest = sha256(child);
    assert.equal((await call("PUT", `/v2/reg/app/manifests/${childDigest}`, { body: child, headers: { "content-type": OCI_MANIFEST } })).status, 201);
    const LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: LIST,
      manifests: [{ mediaType: OCI_MANIFEST, size: Buffer.byteLength(child), digest: childDigest, platform: { architecture: "amd64", os: "linux" } }],
    });
    const put = await call("PUT", "/v2/reg/app/manifests/multi", { body: list, headers: { "content-type": LIST } });
    assert.equal(put.status, 201);
    const got = await call("GET", "/v2/reg/app/manifests/multi", { headers: { accept: `${LIST}, ${OCI_MANIFEST}` } });
    assert.equal(got.headers.get("content-type"), LIST);
    assert.equal(got.headers.get("docker-content-digest"), sha256(list));
    const { imageDetails } = await fx.ecr.send(new DescribeImagesCommand({ repositoryName: "reg/app", imageIds: [{ imageTag: "multi" }] }));
    assert.equal(imageDetails?.[0]?.imageManifestMediaType, LIST);
    const deleteChild = await call("DELETE", `/v2/reg/app/manifests/${childDigest}`);
    assert.equal(deleteChild.status, 403);
    assert.equal(deleteChild.code, "DENIED");
  });

  it("serves OCI 1.1 referrers: artifacts whose subject is an image, filtered by artifactType", async () => {
    const image = await imageManifest("reg/app");
    const imageDigest = sha256(image);
    await call("PUT", "/v2/reg/app/manifests/signed", { body: image, headers: { "content-type": OCI_MANIFEST } });
    const empty = await pushBlob("reg/app", Buffer.from("{}"));
    const artifact = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: "application/vnd.example.sbom",
      config: { mediaType: "application/vnd.oci.empty.v1+json", size: 2, digest: empty },
      layers: [{ mediaType: "application/vnd.oci.empty.v1+json", size: 2, digest: empty }],
      subject: { mediaType: OCI_MANIFEST, size: Buffer.byteLength(image), digest: imageDigest },
      annotations: { "org.example.kind": "sbom" },
    });
    const put = await call("PUT", `/v2/reg/app/manifests/${sha256(artifact)}`, { body: artifact, headers: { "content-type": OCI_MANIFEST } });
    assert.equal(put.status, 201);
    assert.equal(put.headers.get("oci-subject"), imageDigest);
    const referrers = await call("GET", `/v2/reg/app/referrers/${imageDigest}`);
    assert.equal(referrers.headers.get("content-type"), "application/vnd.oci.image.index.v1+json");
    const index = JSON.parse(referrers.body.toString()) as { manifests: Array<{ digest: string; artifactType: string; annotations: Record<string, string> }> };
    assert.deepEqual(index.manifests.map((m) => [m.digest, m.artifactType, m.annotations["org.example.kind"]]), [[sha256(artifact), "application/vnd.example.sbom", "sbom"]]);
    const filtered = await call("GET", `/v2/reg/app/referrers/${imageDigest}?artifactType=application/vnd.example.signature`);
    assert.deepEqual(JSON.parse(filtered.body.toString()).manifests, []);
    assert.equal(filtered.headers.get("oci-filters-applied"), "artifactType");
    const listed = await fx.ecr.send(new ListImageReferrersCommand({ repositoryName: "reg/app", subjectId: { imageDigest } }));
    assert.deepEqual(listed.referrers?.map((r) => [r.digest, r.artifactType, r.artifactStatus]), [[sha256(artifact), "application/vnd.example.sbom", "ACTIVE"]]);
    const none = await fx.ecr.send(new ListImageReferrersCommand({ repositoryName: "reg/app", subjectId: { imageDigest }, filter: { artifactTypes: ["x/y"] } }));
    assert.deepEqual(none.referrers, []);
  });

  it("deletes manifests by digest and lists the catalog", async () => {
    const manifest = await imageManifest("reg/other");
    const digest = sha256(manifest);
    await call("PUT", "/v2/reg/other/manifests/gone", { body: manifest, headers: { "content-type": OCI_MANIFEST } });
    assert.equal((await call("DELETE", `/v2/reg/other/manifests/${digest}`)).status, 202);
    assert.equal((await call("GET", "/v2/reg/other/manifests/gone")).code, "MANIFEST_UNKNOWN");
    assert.equal((await call("DELETE", `/v2/reg/other/manifests/${digest}`)).code, "MANIFEST_UNKNOWN");
    const catalog = JSON.parse((await call("GET", "/v2/_catalog")).body.toString()) as { repositories: string[] };
    assert.deepEqual(catalog.repositories, ["reg/app", "reg/immutable", "reg/other"]);
  });
});

describe("OCI registry uploads across a restart", () => {
  it("an unfinished chunked upload resumes after Stratus restarts on the same data dir", async () => {
    const bytes = randomBytes(50_000);
    let credential = "";
    let location = "";
    await acrossRestart(
      async (server, ecr) => {
        await ecr.send(new CreateRepositoryCommand({ repositoryName: "resume/app" }));
        credential = `Basic ${Buffer.from(`AWS:${await registryPassword(ecr)}`).toString("base64")}`;
        const started = await fetch(`${server.endpoint}/v2/resume/app/blobs/uploads/`, { method: "POST", headers: { authorization: credential } });
        location = started.headers.get("location") ?? "";
        await fetch(`${server.endpoint}${location}`, { method: "PATCH", headers: { authorization: credential, "content-range": "0-29999" }, body: bytes.subarray(0, 30_000) });
      },
      async (server) => {
        const status = await fetch(`${server.endpoint}${location}`, { headers: { authorization: credential } });
        assert.equal(status.status, 204);
        assert.equal(status.headers.get("range"), "0-29999");
        const rest = await fetch(`${server.endpoint}${location}`, { method: "PATCH", headers: { authorization: credential, "content-range": "30000-49999" }, body: bytes.subarray(30_000) });
        assert.equal(rest.status, 202);
        const done = await fetch(`${server.endpoint}${location}?digest=${sha256(bytes)}`, { method: "PUT", headers: { authorization: credential } });
        assert.equal(done.status, 201);
        const blob = await fetch(`${server.endpoint}/v2/resume/app/blobs/${sha256(bytes)}`, { headers: { authorization: credential } });
        assert.deepEqual(Buffer.from(await blob.arrayBuffer()), bytes);
      },
    );
  });
});
