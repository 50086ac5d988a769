import { setTimeout as sleepMs } from 'node:timers/promises';
import type { Clock } from './clock.js';

/**
 * The real clock: the one module that reads the wall clock and sets timers. Everything else takes a
 * `Clock` (or `nowSeconds`) so tests and the simulator can drive time themselves.
 */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: async (ms, signal) => {
    await sleepMs(ms, undefined, signal === undefined ? undefined : { signal });
  },
};
