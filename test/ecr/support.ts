/** Shared setup of the ECR tests: a started Stratus, an ECR client, registry credentials, and layers/images made through the API. */
import { createHash, randomBytes } from "node:crypto";
import {
  CompleteLayerUploadCommand, ECRClient, GetAuthorizationTokenCommand, InitiateLayerUploadCommand, PutImageCommand, UploadLayerPartCommand,
} from "@aws-sdk/client-ecr";
import { clientConfig, startStratus, tempDataDir, type RunningStratus, type StartOptions } from "../support/server.ts";

export { sdkFailure } from "../support/assertions.ts";

export interface EcrFixture {
  server: RunningStratus;
  ecr: ECRClient;
  close(): Promise<void>;
}

export async function ecrFixture(options: StartOptions = {}): Promise<EcrFixture> {
  const server = await startStratus(options);
  const ecr = new ECRClient(clientConfig(server.endpoint));
  return {
    server,
    ecr,
    close: async () => {
      ecr.destroy();
      await server.stop();
    },
  };
}

export const sha256 = (bytes: Uint8Array | string): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** The registry password `aws ecr get-login-password` would print. */
export async function registryPassword(ecr: ECRClient): Promise<string> {
  const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
  const token = authorizationData?.[0]?.authorizationToken ?? "";
  return Buffer.from(token, "base64").toString("utf8").replace(/^AWS:/, "");
}

/** Uploads bytes as a layer through ECR's layer-upload API and returns its digest. */
export async function uploadLayer(ecr: ECRClient, repositoryName: string, bytes: Uint8Array): Promise<string> {
  const { uploadId } = await ecr.send(new InitiateLayerUploadCommand({ repositoryName }));
  await ecr.send(new UploadLayerPartCommand({ repositoryName, uploadId, partFirstByte: 0, partLastByte: bytes.length - 1, layerPartBlob: bytes }));
  const digest = sha256(bytes);
  await ecr.send(new CompleteLayerUploadCommand({ repositoryName, uploadId, layerDigests: [digest] }));
  return digest;
}

/** A Docker schema 2 manifest over a fresh config and layer (both uploaded), distinct per call. */
export async function makeManifest(ecr: ECRClient, repositoryName: string, layerSize = 1000): Promise<{ manifest: string; digest: string; size: number }> {
  const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, nonce: randomBytes(8).toString("hex") }));
  const layer = randomBytes(layerSize);
  const configDigest = await uploadLayer(ecr, repositoryName, config);
  const layerDigest = await uploadLayer(ecr, repositoryName, layer);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: config.length, digest: configDigest },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: layer.length, digest: layerDigest }],
  });
  return { manifest, digest: sha256(manifest), size: config.length + layer.length };
}

export async function pushImage(ecr: ECRClient, repositoryName: string, imageTag?: string): Promise<string> {
  const { manifest, digest } = await makeManifest(ecr, repositoryName);
  await ecr.send(new PutImageCommand({ repositoryName, imageManifest: manifest, ...(imageTag ? { imageTag } : {}) }));
  return digest;
}

/**
 * Runs `first` against a Stratus on a fresh data dir, stops it, starts another on the same dir and port (docker
 * logins are keyed by host:port) and runs `second` against it; everything is stopped and removed afterwards.
 */
export async function acrossRestart(
  first: (server: RunningStratus, ecr: ECRClient) => Promise<void>,
  second: (server: RunningStratus, ecr: ECRClient) => Promise<void>,
): Promise<void> {
  const data = tempDataDir("stratus-ecr-restart-");
  const servers: RunningStratus[] = [];
  const clients: ECRClient[] = [];
  const start = async (port?: number): Promise<[RunningStratus, ECRClient]> => {
    const server = await startStratus({ dataDir: data.dir, ...(port ? { port } : {}) });
    const ecr = new ECRClient(clientConfig(server.endpoint));
    servers.push(server);
    clients.push(ecr);
    return [server, ecr];
  };
  try {
    const [before, beforeEcr] = await start();
    await first(before, beforeEcr);
    await before.stop();
    await second(...(await start(before.port)));
  } finally {
    for (const client of clients) client.destroy();
    for (const server of servers) await server.stop();
    data.remove();
  }
}
