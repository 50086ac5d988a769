import type { Clock } from '../core/index.js';

/** A clock whose sleeps return at once and are recorded, so retry tests take no wall time. */
export function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    nowMs: () => 0,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
    },
  };
}
