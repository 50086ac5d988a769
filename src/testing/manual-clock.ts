import type { Clock } from '../core/index.js';

interface Sleeper {
  readonly wakeMs: number;
  readonly resolve: () => void;
}

/**
 * A clock tests move by hand: `nowMs` is what was set, `sleep` resolves only when `advance` passes its wake
 * time (in wake order). Loop tests run hours of schedule in milliseconds, with no timing assertions.
 */
export class ManualClock implements Clock {
  private sleepers: Sleeper[] = [];
  private sleepWatchers: { readonly count: number; readonly resolve: () => void }[] = [];

  constructor(private currentMs: number) {}

  nowMs(): number {
    return this.currentMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = { wakeMs: this.currentMs + ms, resolve };
      this.sleepers.push(sleeper);
      const waiting = this.sleepers.length;
      for (const watcher of this.sleepWatchers.filter((w) => w.count <= waiting)) watcher.resolve();
      this.sleepWatchers = this.sleepWatchers.filter((w) => w.count > waiting);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Moves time forward, waking each due sleeper in order and letting its continuation run before the next. */
  async advance(ms: number): Promise<void> {
    const target = this.currentMs + ms;
    for (;;) {
      const due = this.sleepers.filter((s) => s.wakeMs <= target).sort((a, b) => a.wakeMs - b.wakeMs)[0];
      if (due === undefined) break;
      this.sleepers = this.sleepers.filter((s) => s !== due);
      this.currentMs = Math.max(this.currentMs, due.wakeMs);
      due.resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.currentMs = target;
  }

  /**
   * Resolves once `count` sleeps are waiting, at once if they are (tests wait for loops to reach their sleep;
   * with several loops, for all of them).
   */
  whenSleeping(count = 1): Promise<void> {
    if (this.sleepers.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.sleepWatchers.push({ count, resolve }));
  }
}
