/**
 * When a workload syncs within its sync period. Every workload syncing on the same tick makes a burst of reads,
 * forecasts and plans that a door call arriving then waits behind; a stable offset per workload, hashed from its
 * `namespace/name`, spreads a fleet's syncs over the period. The hash is stable across restarts and replicas, so
 * a workload keeps its slot.
 */

/**
 * The workload's offset in its period, in [0, periodMs): FNV-1a of `key`, mixed by MurmurHash3's finalizer (FNV
 * alone leaves keys that differ in their last characters, `w1`, `w2`, in a few clumps), scaled to the period.
 */
export function syncOffsetMs(key: string, periodMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return Math.floor(((hash >>> 0) / 2 ** 32) * periodMs);
}

/** The first sync time after `nowMs` on the workload's grid (every `periodMs`, shifted by `offsetMs`). */
export function nextSyncMs(nowMs: number, periodMs: number, offsetMs: number): number {
  return (Math.floor((nowMs - offsetMs) / periodMs) + 1) * periodMs + offsetMs;
}
