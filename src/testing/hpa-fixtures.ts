/**
 * Builders for HPA-emulation tests and the benchmark: plain pods and observations with Kubernetes'
 * usual shapes, overridable field by field. Not exported from index.ts.
 */
import { DEFAULT_CONTROLLER_CONFIG, DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES } from '../hpa/defaults.js';
import type {
  HpaBehavior,
  HpaObservation,
  HpaReconcileResult,
  HpaSpec,
  MetricSpec,
  PodSnapshot,
  ScalingRules,
} from '../hpa/types.js';

/** `behavior` as the API server fills it in when an HPA sets it without rules. */
export const DEFAULT_BEHAVIOR: HpaBehavior = { scaleUp: DEFAULT_SCALE_UP_RULES, scaleDown: DEFAULT_SCALE_DOWN_RULES };

/**
 * The scale-down policies of the Kubernetes docs' example (Horizontal Pod Autoscaling, "Scaling policies"):
 * −4 pods or −10 % per 60 s, whichever removes more.
 */
export const DOCS_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 60 },
    { type: 'Percent', value: 10, periodSeconds: 60 },
  ],
  tolerance: null,
};

/** A Running, Ready pod started long ago, with a 1-core CPU request and a fresh 15 s CPU sample. */
export function pod(name: string, overrides: Partial<PodSnapshot> & { cpuMilli?: number } = {}): PodSnapshot {
  const { cpuMilli, ...rest } = overrides;
  return {
    name,
    phase: 'Running',
    ready: true,
    deleting: false,
    startTimeSeconds: 0,
    readyTransitionTimeSeconds: 0,
    requestsMilli: { cpu: 1000 },
    metrics:
      cpuMilli === undefined ? {} : { cpu: { valueMilli: cpuMilli, timestampSeconds: 10_000, windowSeconds: 15 } },
    ...rest,
  };
}

/** Pods web-0…web-(n−1) using the given CPU millicores each (undefined = no sample). */
export function podsUsing(
  cpuMilli: readonly (number | undefined)[],
  overrides: Partial<PodSnapshot> = {},
): PodSnapshot[] {
  return cpuMilli.map((milli, index) => pod(`web-${index}`, { cpuMilli: milli, ...overrides }));
}

/** A CPU-utilization metric spec. */
export function cpuUtilization(averageUtilization: number): MetricSpec {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } };
}

/** An External metric with an AverageValue (per-pod) target, the form KEDA uses. */
export function externalPerPod(name: string, averageValueMilli: number): MetricSpec {
  return {
    type: 'External',
    external: { metric: { name, selector: null }, target: { type: 'AverageValue', averageValueMilli } },
  };
}

/** An HPA spec: min 1, max 10, CPU at 50 %, legacy path unless `behavior` is given. */
export function hpaSpec(overrides: Partial<HpaSpec> = {}): HpaSpec {
  return { minReplicas: 1, maxReplicas: 10, metrics: [cpuUtilization(50)], behavior: null, ...overrides };
}

/** An observation of `hpa` at spec = status replicas = `replicas`, with the given pods and metric values. */
export function observation(
  hpa: HpaSpec,
  replicas: number,
  pods: readonly PodSnapshot[],
  extra: Partial<Omit<HpaObservation, 'hpa'>> = {},
): HpaObservation {
  return {
    hpa,
    scale: { specReplicas: replicas, statusReplicas: replicas },
    pods,
    podsMetrics: {},
    objectMetrics: {},
    externalMetrics: {},
    controller: DEFAULT_CONTROLLER_CONFIG,
    ...extra,
  };
}

/** An observation whose raw proposal is exactly `raw`: External AverageValue, ceil(value / 1). */
export function externalDemand(hpa: HpaSpec, current: number, raw: number): HpaObservation {
  return observation(hpa, current, podsUsing(Array(current).fill(100)), { externalMetrics: { queue: raw * 1000 } });
}

/** A reconcile's conditions as `Type=Status:Reason`, to compare in one line. */
export const conditionReasons = (result: HpaReconcileResult) =>
  result.conditions.map((c) => `${c.type}=${c.status}:${c.reason}`);
