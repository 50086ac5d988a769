import { type Clock, PrescaleError } from '../core/index.js';
import { fitCostRank } from '../models/fit-cost.js';

/**
 * The training budget: at most `concurrency` fits at once (`loop.trainingConcurrency`), the rest wait in a queue
 * ordered by `compareFitTickets`. The model holders ask it for a slot before they read their training data and fit;
 * forecasts, the doors and reconciles never pass through it, so a saturated budget delays fits only.
 */

/** A fit waiting for a training slot: what its place in the queue depends on. */
export interface FitTicket {
  /** The workload (`namespace/name`): a workload never has two fits queued. */
  readonly key: string;
  /** The configured model: its cost rank (`FIT_COST_RANK`) orders first fits, cheapest first. */
  readonly model: string;
  /** False until the workload has a model: every first fit goes before every refit. */
  readonly hasModel: boolean;
  /** When the fit became due (unix seconds); for a first fit, when it was asked for. */
  readonly dueSeconds: number;
  /** The rolling error ÷ `fallback.maxError` (null: not scored yet): a worse model is refitted sooner. */
  readonly errorRatio: number | null;
}

/** A refit whose model errs at `fallback.maxError` goes ahead of refits due up to this much earlier. */
export const ERROR_WEIGHT_SECONDS = 3600;

/** Error ratios above this count as this: a broken model must not jump ahead of refits due days ago. */
export const MAX_ERROR_RATIO = 3;

/**
 * A refit not finished this long after it fell due is late: the workload keeps its last good model and says so
 * (status, a log line, `prescale_model_refit_late`). The same bound as a new workload's first forecast.
 */
export const REFIT_GRACE_SECONDS = 900;

/**
 * Where a refit stands in line, in seconds (earlier first): when it fell due, brought forward by its online error.
 * Time-invariant, so an ordered structure (the fleet simulation's heap) never needs re-sorting as time passes.
 */
export function refitOrderSeconds(ticket: FitTicket): number {
  const ratio = Math.min(Math.max(ticket.errorRatio ?? 0, 0), MAX_ERROR_RATIO);
  return ticket.dueSeconds - ERROR_WEIGHT_SECONDS * ratio;
}

/**
 * The queue's order (negative: `a` first). First fits before refits, so a new workload forecasts within minutes;
 * among them the cheapest model first, then the earliest asked. Refits by `refitOrderSeconds`: the longest past due,
 * counting online error as extra lateness. Ties by workload key, so the order is total and reproducible.
 */
export function compareFitTickets(a: FitTicket, b: FitTicket): number {
  if (a.hasModel !== b.hasModel) return a.hasModel ? 1 : -1;
  const byPlace = a.hasModel
    ? refitOrderSeconds(a) - refitOrderSeconds(b)
    : fitCostRank(a.model) - fitCostRank(b.model) || a.dueSeconds - b.dueSeconds;
  return byPlace || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** A granted training slot: release it when the fit has ended, however it ended. */
export interface TrainingSlot {
  release(): void;
}

/** The queue's state, for `/metrics` and the status page. */
export interface TrainingQueueStats {
  readonly concurrency: number;
  readonly queued: number;
  readonly running: number;
  /** How long the longest-waiting queued fit has waited; 0 with none queued. */
  readonly oldestWaitSeconds: number;
}

interface Waiting {
  readonly ticket: FitTicket;
  readonly enqueuedMs: number;
  readonly grant: (slot: TrainingSlot) => void;
  readonly drop: (reason: unknown) => void;
}

/** A bounded, prioritised set of training slots shared by every workload of a service (see the file's comment). */
export class TrainingQueue {
  private readonly waiting = new Map<string, Waiting>();
  private running = 0;

  constructor(
    readonly concurrency: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new PrescaleError(
        'invalid-input',
        `loop.trainingConcurrency: ${concurrency} is not a whole number of at least 1; give the fits to run at once`,
        { field: 'loop.trainingConcurrency' },
      );
    }
  }

  /**
   * Resolves with a slot when the fit may start. Aborting `signal` (the workload removed or its model changed)
   * drops a queued fit and rejects with the signal's reason; a second ticket for a queued workload replaces the
   * first, which is dropped.
   */
  acquire(ticket: FitTicket, signal?: AbortSignal): Promise<TrainingSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.waiting
      .get(ticket.key)
      ?.drop(new PrescaleError('invalid-input', `${ticket.key}: a newer fit of this workload replaced the queued one`));
    return new Promise<TrainingSlot>((resolve, reject) => {
      const onAbort = () => {
        if (this.waiting.get(ticket.key) !== entry) return;
        this.waiting.delete(ticket.key);
        reject(signal?.reason);
      };
      const entry: Waiting = {
        ticket,
        enqueuedMs: this.clock.nowMs(),
        grant: (slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slot);
        },
        drop: (reason) => {
          signal?.removeEventListener('abort', onAbort);
          this.waiting.delete(ticket.key);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(ticket.key, entry);
      this.dispatch();
    });
  }

  stats(): TrainingQueueStats {
    const nowMs = this.clock.nowMs();
    let oldestMs = nowMs;
    for (const entry of this.waiting.values()) oldestMs = Math.min(oldestMs, entry.enqueuedMs);
    return {
      concurrency: this.concurrency,
      queued: this.waiting.size,
      running: this.running,
      oldestWaitSeconds: (nowMs - oldestMs) / 1000,
    };
  }

  /** Grants free slots to the first fits in order; a linear scan, as the queue is at most one fit per workload. */
  private dispatch(): void {
    while (this.running < this.concurrency && this.waiting.size > 0) {
      let next: Waiting | undefined;
      for (const entry of this.waiting.values()) {
        if (next === undefined || compareFitTickets(entry.ticket, next.ticket) < 0) next = entry;
      }
      this.waiting.delete(next!.ticket.key);
      this.running++;
      let released = false;
      next!.grant({
        release: () => {
          if (released) return;
          released = true;
          this.running--;
          this.dispatch();
        },
      });
    }
  }
}
