import type { AutoscalingPolicy } from '../types.js';

/** A Deployment nobody scales: `replicas` pods all the time (what sizing for the peak costs). */
export function staticPolicy(options: {
  readonly replicas: number;
  readonly syncPeriodSeconds: number;
}): AutoscalingPolicy<null> {
  return {
    name: 'static',
    syncPeriodSeconds: options.syncPeriodSeconds,
    initialState: () => null,
    decide: () => ({ replicas: options.replicas, reason: `static ${options.replicas} replicas`, state: null }),
  };
}
