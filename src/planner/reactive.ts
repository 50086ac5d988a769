import type { CurrentState } from './types.js';

/**
 * Rounds replicas up, forgiving float noise of 1e-9 (so 200 × 1.1 / 110 = 2.0000000000000004 is 2,
 * as a person computing by hand expects). Planner arithmetic only; the exact HPA emulation lives in
 * the simulator.
 */
export function ceilReplicas(x: number): number {
  return Math.ceil(x - 1e-9) + 0; // + 0 turns the -0 of ceil(-1e-9) into 0
}

/**
 * What a reactive HPA would propose now from current metrics (`kubernetes-integration.md` §1.5), before
 * its stabilization and rate limits:
 * - CPU utilization (Resource metric, Utilization target): ratio = utilization / target; inside the
 *   tolerance band keep `replicas`, else ceil(ratio × readyReplicas).
 * - Load (External metric, AverageValue target = loadPerPod): ratio = load / (loadPerPod × replicas);
 *   inside the band keep `replicas`, else ceil(load / loadPerPod).
 * With both, the larger (the HPA takes the max over metrics, §1.6). Null when neither is known.
 */
export function reactiveReplicas(
  current: CurrentState,
  targetUtilizationPercent: number,
  loadPerPod: number,
  tolerance: number,
): number | null {
  let proposal = -1;
  const utilization = current.utilizationPercent;
  if (utilization !== null && Number.isFinite(utilization) && utilization >= 0) {
    const ratio = utilization / targetUtilizationPercent;
    proposal = withinTolerance(ratio, tolerance) ? current.replicas : ceilReplicas(ratio * current.readyReplicas);
  }
  const load = current.load;
  if (load !== null && Number.isFinite(load) && load >= 0 && loadPerPod > 0) {
    const ratio = current.replicas > 0 ? load / (loadPerPod * current.replicas) : Number.POSITIVE_INFINITY;
    const fromLoad = withinTolerance(ratio, tolerance) ? current.replicas : ceilReplicas(load / loadPerPod);
    if (fromLoad > proposal) proposal = fromLoad;
  }
  return proposal < 0 ? null : proposal;
}

/** The HPA's tolerance test: (1 − tolerance) ≤ ratio ≤ (1 + tolerance), bounds inclusive (§1.4). */
function withinTolerance(ratio: number, tolerance: number): boolean {
  return ratio >= 1 - tolerance && ratio <= 1 + tolerance;
}
