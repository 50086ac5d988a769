import assert from 'node:assert/strict';
import { type ServiceConfig, safeParseServiceConfig } from '../config/service.js';

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
