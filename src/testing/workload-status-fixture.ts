import type { WorkloadStatus } from '../predictor/workload-status.js';

/** The parts of a running workload's status the resource's status reads. */
export function runningWorkload(overrides: Partial<WorkloadStatus> = {}): WorkloadStatus {
  return {
    name: 'web',
    namespace: 'shop',
    data: { replicas: 4 },
    model: {
      current: 'prophet',
      fittedAtSeconds: 1_796_000_000,
      problem: null,
      forecastError: null,
      queuedForTraining: false,
      refitLateSeconds: null,
    },
    accuracy: { rollingErrorPercent: 12.34567 },
    forecast: {
      startSeconds: 1_796_281_200,
      stepSeconds: 60,
      point: Float64Array.from({ length: 10 }, (_, i) => 400 + 10 * i),
      intervals: {
        level: 0.8,
        lower: new Float64Array(10),
        upper: Float64Array.from({ length: 10 }, (_, i) => 450 + 10 * i),
      },
    },
    plan: { decision: { boundBy: 'forecast', reason: '6 replicas: forecast q0.8 peak 520' } },
    published: { replicas: 6, reason: '6 replicas: forecast q0.8 peak 520' },
    fallback: {
      active: false,
      reasons: [],
      sinceSeconds: null,
      healthySinceSeconds: null,
      summary: 'forecast trusted',
    },
    ...overrides,
  } as unknown as WorkloadStatus;
}
