// The worker of `ReadThread`: each request is one range read through the Prometheus client of its settings (kept
// per settings, so connections are pooled), several series summed as the live loop reads them.
import { PrometheusClient, PrometheusSource } from '../collector/prometheus.js';
import type { RawSeries } from '../core/index.js';
import type { ReadRequest } from './read-thread.js';
import { answerCalls } from './worker-calls.js';

const sources = new Map<string, PrometheusSource>();

answerCalls(
  async ({ client, query }: ReadRequest): Promise<RawSeries> => {
    const key = JSON.stringify(client);
    let source = sources.get(key);
    if (source === undefined) {
      source = new PrometheusSource(new PrometheusClient(client), { sumSeries: true });
      sources.set(key, source);
    }
    return source.range(query);
  },
  // Each buffer once: two views of one buffer would fail the transfer.
  (series) => [...new Set([series.timestampsSeconds.buffer, series.values.buffer] as ArrayBuffer[])],
);
