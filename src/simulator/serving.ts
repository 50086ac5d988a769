import { mixtureQuantile, type QueueTable } from './queueing.js';

/** One second of serving: how many requests were dropped, how many admitted ones were slower than the SLO. */
export interface SecondServed {
  readonly served: number;
  readonly dropped: number;
  /** Expected number of admitted requests slower than the SLO. */
  readonly slow: number;
  /** Coarse row of the queue table for the per-minute latency mixture; -1 when nothing was served. */
  readonly coarseRow: number;
}

/**
 * Serves one second's `arrived` requests with `ready` pods behind a random load balancer: each pod gets
 * arrived / ready requests per second and behaves as its M/M/c/K queue at that rate (`queueing.ts`),
 * read from the table with linear interpolation. With no ready pod every request is dropped.
 */
export function serveSecond(table: QueueTable, arrived: number, ready: number): SecondServed {
  if (!(arrived > 0)) return { served: 0, dropped: 0, slow: 0, coarseRow: -1 };
  if (ready <= 0) return { served: 0, dropped: arrived, slow: 0, coarseRow: -1 };
  const utilization = arrived / ready / (table.model.concurrency / table.model.serviceTimeSeconds);
  const rows = table.drop.length;
  const position = utilization * table.rowsPerUnit;
  let row = Math.floor(position);
  let fraction = position - row;
  if (row >= rows - 1) {
    row = rows - 2;
    fraction = 1;
  }
  const drop = table.drop[row] + fraction * (table.drop[row + 1] - table.drop[row]);
  const slowShare = table.slow[row] + fraction * (table.slow[row + 1] - table.slow[row]);
  const served = arrived * (1 - drop);
  const coarseRows = table.coarseTail.length / table.latencyGridSeconds.length;
  return {
    served,
    dropped: arrived - served,
    slow: served * slowShare,
    coarseRow: Math.min(coarseRows - 1, Math.round(utilization * table.coarseRowsPerUnit)),
  };
}

/**
 * Accumulates a minute's seconds for its p95: the admitted requests of each second weigh that second's
 * latency distribution; `p95()` is the 95th percentile of the mixture.
 */
export class MinuteLatency {
  private readonly weights: Float64Array;
  private readonly rows: number[] = [];

  constructor(private readonly table: QueueTable) {
    this.weights = new Float64Array(table.coarseTail.length / table.latencyGridSeconds.length);
  }

  /** Adds one second's served requests. */
  add(second: SecondServed): void {
    if (second.coarseRow < 0 || !(second.served > 0)) return;
    if (this.weights[second.coarseRow] === 0) this.rows.push(second.coarseRow);
    this.weights[second.coarseRow] += second.served;
  }

  /** p95 of the requests added since the last reset, seconds; NaN when none. */
  p95(): number {
    return this.rows.length === 0 ? Number.NaN : mixtureQuantile(this.table, this.rows, this.weights, 0.95);
  }

  /** Starts a new minute. */
  reset(): void {
    for (const r of this.rows) this.weights[r] = 0;
    this.rows.length = 0;
  }
}
