// How the kernel scheduled the calling process's main thread (Linux /proc/<pid>/task/<pid>/schedstat): time on a
// core and time runnable but waiting for one. A door call that waits for a core is slow for no fault of the
// service's code or its collector, so the doors' bench reports the wait beside the GC pauses.
import { readFileSync } from 'node:fs';

/** Cumulative times of the main thread, milliseconds; null where the kernel does not say (not Linux). */
export interface ThreadSchedule {
  readonly onCpuMs: number;
  readonly waitingForCpuMs: number;
}

/** The main thread's times so far; subtract two readings for a stretch. */
export function mainThreadSchedule(): ThreadSchedule | null {
  try {
    const [onCpuNs, waitingNs] = readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return { onCpuMs: onCpuNs / 1e6, waitingForCpuMs: waitingNs / 1e6 };
  } catch {
    return null;
  }
}

/** The times between two readings; null when either is unknown. */
export function scheduleBetween(before: ThreadSchedule | null, after: ThreadSchedule | null): ThreadSchedule | null {
  if (before === null || after === null) return null;
  return { onCpuMs: after.onCpuMs - before.onCpuMs, waitingForCpuMs: after.waitingForCpuMs - before.waitingForCpuMs };
}
