import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readTraceFile } from '../collector/trace-file.js';
import { type ServiceConfig, safeParseServiceConfig } from '../config/service.js';
import { sharedRoot } from './paths.js';
import { type PrometheusServer, startPrometheus } from './prometheus-server.js';

/** Where the `model: auto` tests' NASA metric starts: 1995-07-03 00:00 UTC. */
export const NASA_T0 = 804_729_600;

/**
 * A real Prometheus holding `hours` of the NASA KSC requests per minute from `NASA_T0` as
 * `nasa_requests_per_minute{job="web"}` (what `autoServiceConfig` reads); `transform` may reshape each value by its
 * minute since `NASA_T0`.
 */
export async function startNasaPrometheus(
  hours: number,
  transform: (value: number, minuteSinceT0: number) => number = (value) => value,
): Promise<PrometheusServer> {
  const trace = await readTraceFile(join(sharedRoot, 'data/nasa-http/nasa_jul95_requests_per_minute.csv'));
  const first = trace.series.timestampsSeconds.indexOf(NASA_T0);
  assert.ok(first >= 0, 'the trace covers 1995-07-03');
  const end = first + hours * 60;
  const timestampsSeconds = trace.series.timestampsSeconds.slice(first, end);
  const values = trace.series.values
    .slice(first, end)
    .map((value, i) => transform(value, (timestampsSeconds[i] - NASA_T0) / 60));
  return startPrometheus([
    { name: 'nasa_requests_per_minute', labels: { job: 'web' }, series: { timestampsSeconds, values } },
  ]);
}

/**
 * The service config of the `model: auto` tests: one KEDA workload `shop/web` reading the NASA minutes as
 * `nasa_requests_per_minute{job="web"}` (3 days of history, daily refits, 20 per pod), with two history rules as
 * `auto`'s candidates to keep selections fast (the schedule is the same with the default four); `loop` adds to that.
 */
export function autoServiceConfig(
  prometheusUrl: string,
  modelsDir: string,
  loop: Record<string, unknown> = {},
): ServiceConfig {
  const parsed = safeParseServiceConfig({
    prometheus: { url: prometheusUrl, retries: 0, timeout: '5s' },
    api: { listen: '127.0.0.1:0' },
    keda: { listen: '127.0.0.1:0' },
    externalMetrics: { enabled: false },
    models: { dir: modelsDir },
    loop: { trainer: 'in-process', autoCandidates: ['naive', 'seasonal-naive'], ...loop },
    workloads: [
      {
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          integration: 'KEDA',
          model: 'auto',
          predictionHorizon: '10m',
          metric: { query: 'nasa_requests_per_minute{job="web"}', step: '60s' },
          capacity: { perPod: 20 },
          // reselectEvery is left at its default, 7d.
          prediction: { history: '3d', retrainEvery: '24h' },
          minReplicas: 1,
          maxReplicas: 20,
          fallback: { maxError: 50 },
        },
      },
    ],
  });
  assert.ok(parsed.success, JSON.stringify(!parsed.success && parsed.issues));
  return parsed.data;
}
