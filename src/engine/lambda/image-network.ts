/** Where image functions' containers run: the internal `stratus-tasks` network ECS tasks use (default), or the host's network. */
import { log } from "../../shared/log.ts";
import { onShutdown } from "../../shared/shutdown.ts";
import { startMetadataServer, type MetadataServer } from "../containers/metadata-server.ts";
import { ensureTaskNetwork, TASK_GATEWAY } from "../containers/task-network.ts";
import type { DockerClient } from "../docker/client.ts";

export interface Placement {
  /** HostConfig.NetworkMode: the network's id, or "host". */
  networkMode: string;
  /** Where the environment's Runtime API listens: an address the container reaches. */
  runtimeHost: string;
  /** AWS_ENDPOINT_URL inside the container. */
  endpoint: string;
}

/** Stratus's URL as the latest invocation named it (the proxy forwards there). */
let stratusEndpoint = "";
let tasks: Promise<{ networkId: string; proxy: MetadataServer }> | undefined;
let unavailable = false;

const onHost = (endpoint: string): Placement => ({ networkMode: "host", runtimeHost: "127.0.0.1", endpoint });

/**
 * On the internal network the container reaches only the host's gateway address 169.254.170.2 (nothing off this
 * machine): the Runtime API listens there, and a forwarding listener there (the ECS runner's, without tasks registered)
 * passes its AWS calls to Stratus. STRATUS_LAMBDA_DOCKER_NETWORK=host, or a network that cannot be made, puts
 * containers on the host's network with both on 127.0.0.1, as for the process runner.
 */
export async function placement(engine: DockerClient, endpoint: string): Promise<Placement> {
  stratusEndpoint = endpoint;
  if (process.env.STRATUS_LAMBDA_DOCKER_NETWORK === "host" || unavailable) return onHost(endpoint);
  tasks ??= (async () => {
    const networkId = await ensureTaskNetwork(engine);
    const proxy = await startMetadataServer(TASK_GATEWAY, () => stratusEndpoint);
    onShutdown(() => proxy.close());
    return { networkId, proxy };
  })();
  try {
    const { networkId, proxy } = await tasks;
    return { networkMode: networkId, runtimeHost: TASK_GATEWAY, endpoint: proxy.url };
  } catch (error) {
    if (!unavailable) log.warn(`Lambda image functions run on the host's network: the ${TASK_GATEWAY} task network is not available (${(error as Error).message})`);
    unavailable = true;
    return onHost(endpoint);
  }
}
