import type { HpaControllerConfig, MetricSpec, ScalingRules } from './types.js';

/** kube-controller-manager defaults (`RecommendedDefaultHPAControllerConfiguration`, `config/v1alpha1/defaults.go`). */
export const DEFAULT_CONTROLLER_CONFIG: HpaControllerConfig = {
  tolerance: 0.1,
  cpuInitializationPeriodSeconds: 300,
  initialReadinessDelaySeconds: 30,
  downscaleStabilizationWindowSeconds: 300,
};

/** `--horizontal-pod-autoscaler-sync-period`: every HPA is reconciled this often. */
export const DEFAULT_SYNC_PERIOD_SECONDS = 15;

/** API-server default for `behavior.scaleUp` when `behavior` is set: no window, +4 pods or +100 % per 15 s. */
export const DEFAULT_SCALE_UP_RULES: ScalingRules & { readonly stabilizationWindowSeconds: number } = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
  tolerance: null,
};

/**
 * API-server default for `behavior.scaleDown`: −100 % per 15 s. The window stays null: the
 * controller fills it from `--horizontal-pod-autoscaler-downscale-stabilization` (300 s).
 */
export const DEFAULT_SCALE_DOWN_RULES: ScalingRules = {
  stabilizationWindowSeconds: null,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  tolerance: null,
};

/** What the API server puts in an HPA created without metrics: CPU at 80 % of requests. */
export const DEFAULT_METRICS: readonly MetricSpec[] = [
  { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
];
