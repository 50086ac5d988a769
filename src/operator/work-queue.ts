import type { Clock } from '../core/index.js';

/**
 * The controller's work queue, client-go's shape in small: keys (`namespace/name`) are queued once however often
 * they change, one worker takes them in order, and a key whose reconcile failed comes back after a per-key
 * exponential backoff (5 ms doubling to 1000 s, as client-go's default item rate limiter), reset by a success.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly failures = new Map<string, number>();
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly clock: Clock,
    private readonly onError: (key: string, error: Error, retryInMs: number) => void,
  ) {}

  /** Queues a key (once, however often it is added before it is processed). */
  add(key: string): void {
    if (this.stopped) return;
    this.queued.add(key);
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when nothing is queued or running (retries waiting on their backoff do not count). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
  }

  private async drain(): Promise<void> {
    while (this.queued.size > 0 && !this.stopped) {
      const key = this.queued.values().next().value as string;
      this.queued.delete(key);
      try {
        await this.reconcile(key);
        this.failures.delete(key);
      } catch (error) {
        const failures = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, failures);
        const retryInMs = Math.min(5 * 2 ** (failures - 1), 1_000_000);
        this.onError(key, error as Error, retryInMs);
        void this.clock.sleep(retryInMs, this.abort.signal).then(
          () => this.add(key),
          () => undefined,
        );
      }
    }
  }
}
