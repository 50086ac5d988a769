import { getPriority, setPriority } from 'node:os';

/**
 * How many nice levels the fit worker threads run below the service's thread: a fit takes only the CPU that the
 * doors, syncs and reconciles leave, so a door call does not wait for a core behind a fit (docs/benchmarks.md, the
 * doors while training saturates its budget).
 */
export const FIT_THREAD_NICE_STEP = 10;

/** The lowest priority Linux has (nice 19). */
const LOWEST_PRIORITY = 19;

/** The nice value a thread `step` levels below a thread at `nice`. */
export function lowerNice(nice: number, step: number): number {
  return Math.min(LOWEST_PRIORITY, nice + step);
}

/**
 * Lowers the calling thread's CPU priority by `step` nice levels. On Linux every thread has its
 * own nice value and setpriority(2) on pid 0 changes the calling thread alone; elsewhere it would change the whole
 * process, so there it does nothing. A container that forbids it leaves the thread as it was: the fit still runs.
 */
export function lowerThreadPriority(step: number): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(lowerNice(getPriority(), step));
  } catch {
    // Forbidden here (a restricted container): the fit runs at the service's priority.
  }
}
