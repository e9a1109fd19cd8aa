/** The shared `--internal` bridge network tasks run on: 169.254.170.0/24, the host at 169.254.170.2 (ECS's agent address). */
import { DockerError, type DockerClient } from "../docker/client.ts";

export const TASK_NETWORK = "stratus-tasks";
export const TASK_SUBNET = "169.254.170.0/24";
/** The host's address on the network: where the metadata and credentials endpoints listen, as on ECS. */
export const TASK_GATEWAY = "169.254.170.2";

const matches = (network: { Internal: boolean; IPAM: { Config: Array<{ Subnet?: string; Gateway?: string }> | null } }): boolean =>
  network.Internal && (network.IPAM.Config ?? []).some((config) => config.Subnet === TASK_SUBNET && config.Gateway === TASK_GATEWAY);

/**
 * The network's id: found by name, else created (shared by every Stratus process on this engine, never removed).
 * An internal network already holding the same subnet and gateway under another name serves as well: Docker refuses
 * a second network with an overlapping subnet.
 */
export async function ensureTaskNetwork(client: DockerClient): Promise<string> {
  const existing = await client.networkInspect(TASK_NETWORK);
  if (existing) return existing.Id;
  try {
    return await client.networkCreate({
      Name: TASK_NETWORK,
      Internal: true,
      Subnet: TASK_SUBNET,
      Gateway: TASK_GATEWAY,
      Labels: { "stratus.network": "tasks" },
    });
  } catch (error) {
    const raced = await client.networkInspect(TASK_NETWORK);
    if (raced) return raced.Id;
    const twin = (await client.networkList()).find(matches);
    if (twin) return twin.Id;
    throw error instanceof DockerError ? new DockerError(error.status, `cannot create the ${TASK_NETWORK} network (${TASK_SUBNET}): ${error.message}`) : error;
  }
}
