/** ECR's registry-facing API: authorization tokens, the registry description, layer availability and ECR's own layer-upload API. */
import { appendFileSync, existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EcrOperations } from "../../generated/ecr.ts";
import type { Layer, LayerFailure } from "@aws-sdk/client-ecr";
import { AwsError } from "../../shared/aws-error.ts";
import { crypto } from "../../shared/builtins.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkRegistryId, requireRepository } from "./errors.ts";
import { layerInRepository, recordLayer } from "./images.ts";
import { DIGEST } from "./manifest.ts";
import { scopeOf } from "./repositories.ts";
import { layerKey, layerTable } from "./state.ts";
import { issuePassword } from "./token.ts";

interface ApiUploadRecord {
  repository: string;
  startedAt: number;
}

/** ECR's part size hint for UploadLayerPart. */
const PART_SIZE = 10 * 1024 * 1024;

const uploads = (ctx: RequestContext) => ctx.state.table<ApiUploadRecord>("ecr", "api-uploads");
const uploadFile = (ctx: RequestContext, id: string): string => join(ctx.state.blobs.uploadDir(), `api-${id}`);

function requireUpload(ctx: RequestContext, repository: string, id: string | undefined): string {
  const record = id ? uploads(ctx).get(scopeOf(ctx), id) : undefined;
  if (!id || !record || record.repository !== repository || !existsSync(uploadFile(ctx, id))) {
    throw new AwsError("UploadNotFoundException", `The upload with id '${id ?? ""}' could not be found for the repository with name '${repository}' in the registry with id '${ctx.account}'`);
  }
  return id;
}

export const registryHandlers: HandlerTable<EcrOperations> = {
  GetAuthorizationToken(input, ctx) {
    for (const id of input.registryIds ?? []) checkRegistryId(id, scopeOf(ctx));
    const { password, expiresAt } = issuePassword(ctx.state, scopeOf(ctx));
    return {
      authorizationData: [
        { authorizationToken: Buffer.from(`AWS:${password}`).toString("base64"), expiresAt: new Date(expiresAt), proxyEndpoint: ctx.endpoint },
      ],
    };
  },

  DescribeRegistry(_input, ctx) {
    return { registryId: ctx.account, replicationConfiguration: { rules: [] } };
  },

  BatchCheckLayerAvailability(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const layers: Layer[] = [];
    const failures: LayerFailure[] = [];
    for (const digest of input.layerDigests ?? []) {
      if (!DIGEST.test(digest)) {
        failures.push({ layerDigest: digest, failureCode: "InvalidLayerDigest", failureReason: "Invalid layer digest" });
        continue;
      }
      const layer = layerTable(ctx.state).get(scopeOf(ctx), layerKey(repository.name, digest));
      if (!layer) failures.push({ layerDigest: digest, failureCode: "MissingLayerDigest", failureReason: "Layer not found" });
      else layers.push({ layerDigest: digest, layerAvailability: "AVAILABLE", layerSize: layer.size, mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip" });
    }
    return { layers, failures };
  },

  GetDownloadUrlForLayer(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const digest = input.layerDigest ?? "";
    if (!DIGEST.test(digest)) throw new AwsError("InvalidParameterException", "Invalid parameter at 'layerDigest' failed to satisfy constraint: 'Invalid layer digest'");
    if (!layerInRepository(ctx.state, scopeOf(ctx), repository.name, digest) || !ctx.state.blobs.has(digest.slice(7))) {
      throw new AwsError("LayersNotFoundException", `The image layer '${digest}' does not exist in the repository with name '${repository.name}' in the registry with id '${ctx.account}'`);
    }
    // Like ECR's pre-signed URL, the link carries its own credential (a registry password for this account and region).
    const { password } = issuePassword(ctx.state, scopeOf(ctx));
    return { downloadUrl: `${ctx.endpoint}/v2/${repository.name}/blobs/${digest}?token=${encodeURIComponent(password)}`, layerDigest: digest };
  },

  InitiateLayerUpload(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const uploadId = crypto.randomUUID();
    writeFileSync(uploadFile(ctx, uploadId), Buffer.alloc(0));
    uploads(ctx).put(scopeOf(ctx), uploadId, { repository: repository.name, startedAt: Date.now() });
    return { uploadId, partSize: PART_SIZE };
  },

  UploadLayerPart(input, ctx) {
    const repository = requireRepository(ctx.state, scopeOf(ctx), input.repositoryName, input.registryId);
    const uploadId = requireUpload(ctx, repository.name, input.uploadId);
    const file = uploadFile(ctx, uploadId);
    const size = statSync(file).size;
    const blob = input.layerPartBlob ?? new Uint8Array();
    const first = input.partFirstByte ?? -1;
    const last = input.partLastByte ?? -1;
    if (first !== size || last - first + 1 !== blob.length) {
      throw new AwsError("InvalidLayerPartException", `The layer part is invalid: expected a part starting at byte ${size}`, {
        fields: { registryId: ctx.account, repositoryName: repository.name, uploadId, lastValidByteReceived: Math.max(size - 1, 0) },
      });
    }
    appendFileSync(file, blob);
    return { registryId: ctx.account, repositoryName: repository.name, uploadId, lastByteReceived: last };
  },

  CompleteLayerUpload(input, ctx) {
    const scope = scopeOf(ctx);
    const repository = requireRepository(ctx.state, scope, input.repositoryName, input.registryId);
    const uploadId = requireUpload(ctx, repository.name, input.uploadId);
    const file = uploadFile(ctx, uploadId);
    const bytes = readFileSync(file);
    if (bytes.length === 0) throw new AwsError("EmptyUploadException", `The specified layer upload does not contain any layer parts.`);
    const digest = `sha256:${crypto.createHash("sha256").update(bytes).digest("hex")}`;
    const claimed = input.layerDigests ?? [];
    if (claimed.length !== 1 || claimed[0] !== digest) {
      throw new AwsError("InvalidLayerException", `The layer digest calculation performed by Amazon ECR upon receipt of the image layer does not match the digest specified (${digest}).`);
    }
    if (layerInRepository(ctx.state, scope, repository.name, digest)) {
      unlinkSync(file);
      uploads(ctx).delete(scope, uploadId);
      throw new AwsError("LayerAlreadyExistsException", `The image layer already exists in the repository with name '${repository.name}' in the registry with id '${ctx.account}'`);
    }
    ctx.state.blobs.adopt(file, digest.slice(7));
    uploads(ctx).delete(scope, uploadId);
    recordLayer(ctx.state, scope, repository.name, digest, bytes.length);
    return { registryId: ctx.account, repositoryName: repository.name, uploadId, layerDigest: digest };
  },
};
