import { proposeFromReadyPods, replicasForPerPodValue, type Tolerances } from '../hpa/index.js';
import type { CurrentState } from './types.js';

/**
 * Rounds replicas up, forgiving float noise of 1e-9 (so 200 × 1.1 / 110 = 2.0000000000000004 is 2, as a
 * person computing by hand expects). The planner's own arithmetic (forecast load → replicas); what the HPA
 * would propose comes from the HPA kernel (`src/hpa`), which rounds exactly as Kubernetes does.
 */
export function ceilReplicas(x: number): number {
  return Math.ceil(x - 1e-9) + 0; // + 0 turns the -0 of ceil(-1e-9) into 0
}

/**
 * What a reactive HPA would propose now from current metrics, before its stabilization and rate limits,
 * computed by the HPA kernel:
 * - CPU utilization (Resource metric, Utilization target): inside the tolerance band keep `replicas`, else
 *   ceil(utilization / target × readyReplicas).
 * - Load (External metric, AverageValue target = loadPerPod): the ratio is load / (loadPerPod × replicas);
 *   inside the band keep `replicas`, else ceil(load / loadPerPod).
 * With both, the larger (the HPA takes the max over metrics). Null when neither is known.
 */
export function reactiveReplicas(
  current: CurrentState,
  targetUtilizationPercent: number,
  loadPerPod: number,
  tolerance: number,
): number | null {
  const tolerances: Tolerances = { scaleUp: tolerance, scaleDown: tolerance };
  let proposal = -1;
  const utilization = current.utilizationPercent;
  if (utilization !== null && Number.isFinite(utilization) && utilization >= 0) {
    const ratio = utilization / targetUtilizationPercent;
    proposal = proposeFromReadyPods(current.replicas, ratio, current.readyReplicas, tolerances).replicas;
  }
  const load = current.load;
  if (load !== null && Number.isFinite(load) && load >= 0 && loadPerPod > 0) {
    // The kernel reads milli-units; the ratio and the quotient do not depend on the unit.
    const fromLoad = replicasForPerPodValue({
      statusReplicas: current.replicas,
      usageMilli: load,
      targetPerPodMilli: loadPerPod,
      tolerances,
    });
    if (fromLoad.ok && fromLoad.replicas > proposal) proposal = fromLoad.replicas;
  }
  return proposal < 0 ? null : proposal;
}
