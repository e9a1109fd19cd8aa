/** Blob uploads of the distribution API: monolithic, chunked (PATCH with Content-Range), resumable, cross-repository mounts; streamed to disk while hashed. */
import { createReadStream, createWriteStream, existsSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Hash } from "node:crypto";
import { crypto } from "../shared/builtins.ts";
import type { StateStore, Table } from "../state/state-store.ts";
import { layerInRepository, recordLayer } from "../services/ecr/images.ts";
import { DIGEST } from "../services/ecr/manifest.ts";
import { RegistryError, sendEmpty, type RegistryCall } from "./respond.ts";

interface UploadRecord {
  repository: string;
  startedAt: number;
}

const uploadTable = (state: StateStore): Table<UploadRecord> => state.table<UploadRecord>("ecr", "uploads");

/** Running hashes of open uploads (rebuilt from the file after a restart or a broken PATCH). */
const running = new Map<string, { hash: Hash; offset: number }>();

const uploadPath = (call: RegistryCall, id: string): string => join(call.app.state.blobs.uploadDir(), id);

async function hashOf(path: string): Promise<{ hash: Hash; offset: number }> {
  const hash = crypto.createHash("sha256");
  let offset = 0;
  if (existsSync(path)) {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      offset += (chunk as Buffer).length;
    }
  }
  return { hash, offset };
}

/** Appends the request body to the upload file, feeding the running hash; returns the new size. */
async function appendBody(call: RegistryCall, id: string): Promise<number> {
  const path = uploadPath(call, id);
  const state = running.get(id) ?? (await hashOf(path));
  running.delete(id);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      state.hash.update(chunk);
      state.offset += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(call.req, counter, createWriteStream(path, { flags: "a", highWaterMark: 1024 * 1024 }));
  running.set(id, state);
  return state.offset;
}

function uploadHeaders(name: string, id: string, offset: number): Record<string, string> {
  return {
    location: `/v2/${name}/blobs/uploads/${id}`,
    range: `0-${Math.max(offset - 1, 0)}`,
    "docker-upload-uuid": id,
  };
}

function openUpload(call: RegistryCall, name: string): string {
  const id = crypto.randomUUID();
  writeFileSync(uploadPath(call, id), Buffer.alloc(0));
  call.app.state.transaction(() => uploadTable(call.app.state).put(call.scope, id, { repository: name, startedAt: Date.now() }));
  running.set(id, { hash: crypto.createHash("sha256"), offset: 0 });
  return id;
}

/** Moves the finished file into the blob store when its hash is the digest the client named. */
function finish(call: RegistryCall, name: string, id: string, digest: string | null): void {
  const state = running.get(id);
  running.delete(id);
  const path = uploadPath(call, id);
  if (!digest || !DIGEST.test(digest)) throw new RegistryError("DIGEST_INVALID", "provided digest did not match uploaded content", { digest });
  const actual = state ? `sha256:${state.hash.digest("hex")}` : undefined;
  if (actual !== digest) {
    // The hash is spent: the session can no longer be resumed correctly, so it ends here.
    endUpload(call, id);
    throw new RegistryError("DIGEST_INVALID", "provided digest did not match uploaded content", { digest, actual });
  }
  const size = statSync(path).size;
  call.app.state.blobs.adopt(path, digest.slice("sha256:".length));
  call.app.state.transaction(() => {
    uploadTable(call.app.state).delete(call.scope, id);
    recordLayer(call.app.state, call.scope, name, digest, size);
  });
  sendEmpty(call.res, 201, { location: `/v2/${name}/blobs/${digest}`, "docker-content-digest": digest });
}

function endUpload(call: RegistryCall, id: string): void {
  running.delete(id);
  try {
    unlinkSync(uploadPath(call, id));
  } catch {
    // already gone
  }
  call.app.state.transaction(() => uploadTable(call.app.state).delete(call.scope, id));
}

/** POST /v2/<name>/blobs/uploads/: a mount, a monolithic upload (?digest=), or a new session. */
export async function startUpload(call: RegistryCall, name: string): Promise<void> {
  const params = call.url.searchParams;
  const mount = params.get("mount");
  const from = params.get("from");
  if (mount && DIGEST.test(mount) && from && layerInRepository(call.app.state, call.scope, from, mount) && call.app.state.blobs.has(mount.slice(7))) {
    call.req.resume();
    const size = call.app.state.blobs.sizeOf(mount.slice(7)) ?? 0;
    call.app.state.transaction(() => recordLayer(call.app.state, call.scope, name, mount, size));
    sendEmpty(call.res, 201, { location: `/v2/${name}/blobs/${mount}`, "docker-content-digest": mount });
    return;
  }
  const digest = params.get("digest");
  const id = openUpload(call, name);
  if (digest !== null && !mount) {
    await appendBody(call, id);
    finish(call, name, id, digest);
    return;
  }
  call.req.resume();
  sendEmpty(call.res, 202, uploadHeaders(name, id, 0));
}

function session(call: RegistryCall, name: string, id: string): UploadRecord {
  const record = uploadTable(call.app.state).get(call.scope, id);
  if (!record || record.repository !== name || !existsSync(uploadPath(call, id))) {
    call.req.resume();
    throw new RegistryError("BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", { uuid: id });
  }
  return record;
}

const currentSize = (call: RegistryCall, id: string): number => running.get(id)?.offset ?? statSync(uploadPath(call, id)).size;

/** PATCH, PUT, GET and DELETE on /v2/<name>/blobs/uploads/<uuid>. */
export async function continueUpload(call: RegistryCall, name: string, id: string): Promise<void> {
  session(call, name, id);
  const method = call.req.method ?? "GET";
  if (method === "GET") {
    sendEmpty(call.res, 204, uploadHeaders(name, id, currentSize(call, id)));
    return;
  }
  if (method === "DELETE") {
    call.req.resume();
    endUpload(call, id);
    sendEmpty(call.res, 204);
    return;
  }
  if (method !== "PATCH" && method !== "PUT") {
    call.req.resume();
    throw new RegistryError("UNSUPPORTED", `${method} is not supported on an upload`);
  }
  const contentRange = call.req.headers["content-range"];
  if (contentRange !== undefined) {
    // Chunks must arrive in order: the first byte of a chunk is the current size of the upload.
    const match = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(contentRange.trim());
    const size = currentSize(call, id);
    const length = call.req.headers["content-length"];
    const start = Number(match?.[1]);
    const end = Number(match?.[2]);
    if (!match || start !== size || end < start || (length !== undefined && Number(length) !== end - start + 1)) {
      call.req.resume();
      throw new RegistryError("RANGE_INVALID", "invalid content range", { contentRange, uploaded: size }, uploadHeaders(name, id, size));
    }
  }
  const offset = await appendBody(call, id);
  if (method === "PATCH") {
    sendEmpty(call.res, 202, uploadHeaders(name, id, offset));
    return;
  }
  finish(call, name, id, call.url.searchParams.get("digest"));
}
