/** Blob downloads of the OCI registry: multi-megabyte blobs and ranges byte-exact, aborted downloads, and damaged blob files not served. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, statSync, truncateSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { tempDataDir } from "../support/server.ts";
import { ecrFixture, registryPassword, sha256, type EcrFixture } from "./support.ts";

let fx: EcrFixture;
let auth: string;
const data = tempDataDir();
before(async () => {
  fx = await ecrFixture({ dataDir: data.dir });
  auth = `Basic ${Buffer.from(`AWS:${await registryPassword(fx.ecr)}`).toString("base64")}`;
  await fx.ecr.send(new CreateRepositoryCommand({ repositoryName: "pull/app" }));
});
after(async () => {
  await fx.close();
  data.remove();
});

async function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(`${fx.server.endpoint}${path}`, { method, headers: { authorization: auth, ...headers } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function pushBlob(bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const response = await fetch(`${fx.server.endpoint}/v2/pull/app/blobs/uploads/?digest=${digest}`, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/octet-stream" },
    body: bytes,
  });
  assert.equal(response.status, 201, await response.text());
  return digest;
}

/** The file holding a blob under the data directory (found by its hex name). */
function blobFile(dir: string, hex: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) {
      const found = blobFile(path, hex);
      if (found) return found;
    } else if (entry.name === hex) return path;
  }
  return undefined;
}

/** Reads `limit` bytes of a blob body, then drops the connection mid-transfer. */
function abortedDownload(path: string, limit: number): Promise<number> {
  const url = new URL(path, fx.server.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: auth }, agent: false }, (res) => {
      let received = 0;
      res.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= limit) {
          req.destroy();
          resolve(received);
        }
      });
      res.on("error", () => resolve(received));
      res.on("end", () => resolve(received));
    });
    req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

describe("OCI registry blob downloads", () => {
  const big = randomBytes(5 * 1024 * 1024 + 12345);
  let digest = "";

  it("serves a multi-megabyte blob byte for byte, with ranges across chunk boundaries", async () => {
    digest = await pushBlob(big);
    const whole = await get(`/v2/pull/app/blobs/${digest}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-length"), String(big.length));
    assert.equal(whole.headers.get("docker-content-digest"), digest);
    assert.equal(sha256(whole.body), digest);

    const start = 1024 * 1024 - 100;
    const end = 3 * 1024 * 1024 + 7;
    const part = await get(`/v2/pull/app/blobs/${digest}`, { range: `bytes=${start}-${end}` });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes ${start}-${end}/${big.length}`);
    assert.ok(part.body.equals(big.subarray(start, end + 1)));

    const tail = await get(`/v2/pull/app/blobs/${digest}`, { range: "bytes=-70000" });
    assert.equal(tail.status, 206);
    assert.ok(tail.body.equals(big.subarray(big.length - 70000)));

    const head = await get(`/v2/pull/app/blobs/${digest}`, {}, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(big.length));
  });

  it("keeps serving after clients drop downloads half way", async () => {
    for (let i = 0; i < 3; i++) assert.ok((await abortedDownload(`/v2/pull/app/blobs/${digest}`, 1024 * 1024)) >= 1024 * 1024);
    const again = await get(`/v2/pull/app/blobs/${digest}`);
    assert.equal(again.status, 200);
    assert.equal(sha256(again.body), digest);
  });

  it("does not serve a blob whose file was damaged on disk (answers BLOB_UNKNOWN)", async () => {
    const small = randomBytes(300_000);
    const damaged = await pushBlob(small);
    const file = blobFile(data.dir, damaged.slice("sha256:".length));
    assert.ok(file, "the blob is stored as a file under the data directory");
    truncateSync(file, 1000);
    assert.equal(statSync(file).size, 1000);
    const reply = await get(`/v2/pull/app/blobs/${damaged}`);
    assert.equal(reply.status, 404);
    assert.equal((JSON.parse(reply.body.toString()) as { errors: Array<{ code: string }> }).errors[0]?.code, "BLOB_UNKNOWN");
    assert.equal((await get(`/v2/pull/app/blobs/${damaged}`, {}, "HEAD")).status, 404);
    // Other blobs are unaffected.
    assert.equal(sha256((await get(`/v2/pull/app/blobs/${digest}`)).body), digest);
  });
});
