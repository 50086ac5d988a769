import type { PrometheusOptions } from '../collector/prometheus.js';
import type { MetricSource, RangeQuery } from '../collector/types.js';
import type { RawSeries } from '../core/index.js';
import { WorkerCalls } from './worker-calls.js';

/** The settings of a Prometheus client, as data (they cross a thread boundary; a clock or a function cannot). */
export type ReadClientOptions = Pick<
  PrometheusOptions,
  'baseUrl' | 'bearerToken' | 'caFile' | 'timeoutSeconds' | 'retries'
>;

/** One range read for `read-worker.ts`. */
export interface ReadRequest {
  readonly client: ReadClientOptions;
  readonly query: RangeQuery;
}

/**
 * Range reads in a worker thread of their own, for the training read of a refit: two weeks of minutes are
 * 20,160 samples of JSON that parsing and validating keeps a thread busy with for 80–300 ms (measured; see
 * docs/benchmarks.md), which on the service's event loop every door call arriving meanwhile would wait for.
 * The worker answers with the series' typed arrays moved, not copied. Its Prometheus clients sleep between
 * retries on the system clock (a clock cannot cross the thread boundary).
 */
export class ReadThread {
  private readonly calls = new WorkerCalls<ReadRequest, RawSeries>(
    new URL('./read-worker.ts', import.meta.url),
    'Prometheus read worker',
  );

  /** A source reading through `client`'s settings in the worker; several series of a query are summed. */
  source(client: ReadClientOptions): MetricSource {
    return { name: 'prometheus', range: (query, signal) => this.calls.call({ client, query }, signal) };
  }

  close(): Promise<void> {
    return this.calls.close();
  }
}
