// The garbage collections of the calling thread over a stretch of a benchmark (v8.GCProfiler): how many, their
// pauses, and the bytes the thread allocated and promoted meanwhile. Allocation and promotion do not depend on the
// machine's load, unlike the pauses and the latencies beside them, so they are the figures to compare across runs.
// The pauses are also kept as spans of wall time, so that a slow call can be matched with a collection it waited for.
import { PerformanceObserver } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics } from 'node:v8';

/** A stretch of wall time in Unix milliseconds, comparable across the bench's processes. */
export interface Span {
  readonly startMs: number;
  readonly endMs: number;
}

/** Now, in Unix milliseconds with the monotonic clock's resolution. */
export const epochMs = () => performance.timeOrigin + performance.now();

/** Records the calling thread's GC pauses until `stop`. */
export function recordGcPauses(): { stop(): Span[] } {
  const pauses: Span[] = [];
  const add = (entries: readonly PerformanceEntry[]) => {
    for (const { startTime, duration } of entries) {
      pauses.push({
        startMs: performance.timeOrigin + startTime,
        endMs: performance.timeOrigin + startTime + duration,
      });
    }
  };
  const observer = new PerformanceObserver((list) => add(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      add(observer.takeRecords());
      observer.disconnect();
      return pauses;
    },
  };
}

/** How many of `calls` were under way during one of `pauses`. */
export function countOverlapping(calls: readonly Span[], pauses: readonly Span[]): number {
  return calls.filter((call) => pauses.some((pause) => pause.startMs < call.endMs && pause.endMs > call.startMs))
    .length;
}

/** What the thread's collector did over one stretch. */
export interface GcReport {
  /** Young-generation collections. */
  readonly scavenges: number;
  /** Full collections and the incremental marking steps that pause the thread for one. */
  readonly markCompacts: number;
  readonly pauseTotalMs: number;
  readonly pauseP99Ms: number;
  readonly pauseMaxMs: number;
  /** Bytes the thread allocated on the JS heap (what was freed, plus what the heap grew by). */
  readonly allocatedBytes: number;
  /** Bytes scavenges moved to the old generation: objects that outlived two young collections. */
  readonly promotedBytes: number;
  readonly pauses: readonly Span[];
}

interface HeapSpace {
  readonly spaceName: string;
  readonly spaceUsedSize: number;
}
interface GcStatistic {
  readonly gcType: string;
  /** Microseconds. */
  readonly cost: number;
  readonly beforeGC: { heapStatistics: { usedHeapSize: number }; heapSpaceStatistics: HeapSpace[] };
  readonly afterGC: { heapStatistics: { usedHeapSize: number }; heapSpaceStatistics: HeapSpace[] };
}

const oldSpaceBytes = (spaces: readonly HeapSpace[]) =>
  spaces.filter((s) => s.spaceName === 'old_space').reduce((sum, s) => sum + s.spaceUsedSize, 0);

/** Starts recording; `stop` ends it and reports. */
export function recordGc(): { stop(): GcReport } {
  const profiler = new GCProfiler();
  const usedBefore = getHeapStatistics().used_heap_size;
  const pauses = recordGcPauses();
  profiler.start();
  return {
    stop() {
      const statistics = (profiler.stop()?.statistics ?? []) as GcStatistic[];
      const usedAfter = getHeapStatistics().used_heap_size;
      const pausesMs = statistics.map((s) => s.cost / 1000).sort((a, b) => a - b);
      let freedBytes = 0;
      let promotedBytes = 0;
      for (const s of statistics) {
        freedBytes += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
        if (s.gcType === 'Scavenge') {
          promotedBytes += oldSpaceBytes(s.afterGC.heapSpaceStatistics) - oldSpaceBytes(s.beforeGC.heapSpaceStatistics);
        }
      }
      const scavenges = statistics.filter((s) => s.gcType === 'Scavenge').length;
      return {
        scavenges,
        markCompacts: statistics.length - scavenges,
        pauseTotalMs: pausesMs.reduce((sum, ms) => sum + ms, 0),
        pauseP99Ms: pausesMs[Math.min(pausesMs.length - 1, Math.floor(0.99 * pausesMs.length))] ?? 0,
        pauseMaxMs: pausesMs.at(-1) ?? 0,
        allocatedBytes: usedAfter - usedBefore + freedBytes,
        promotedBytes,
        pauses: pauses.stop(),
      };
    },
  };
}
