/** How long EBS and image transitions take: a multiple of STRATUS_EC2_TRANSITION_MS (default 500 ms), read per call. */

function base(): number {
  const raw = process.env["STRATUS_EC2_TRANSITION_MS"];
  const value = raw === undefined || raw === "" ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : 500;
}

/** creating → available, attaching → attached, detaching → available; ModifyVolume's "modifying" phase. */
export const volumeTransitionMs = (): number => base();
/** pending → completed for snapshots; ModifyVolume's "optimizing" phase. */
export const snapshotMs = (): number => 2 * base();
/** pending → available for CreateImage and CopyImage. */
export const imagePendingMs = (): number => 4 * base();
