import { DEFAULT_CONTROLLER_CONFIG } from '../../hpa/defaults.js';
import { EMPTY_CONTROLLER_STATE, reconcileHpa } from '../../hpa/reconcile.js';
import type { HpaControllerConfig, HpaControllerState, HpaSpec } from '../../hpa/types.js';
import type { AutoscalingPolicy } from '../types.js';

/**
 * The Kubernetes HPA as a policy: every sync runs the exact reconcile (`src/hpa`) on what the
 * controller would read (the pods with their metrics-server samples, the scale subresource) and keeps the
 * controller's memory as the policy state. `hpa` and `hpa-tuned` differ only in their spec.
 */
export function hpaPolicy(options: {
  readonly name: string;
  readonly spec: HpaSpec;
  readonly syncPeriodSeconds: number;
  readonly controller?: HpaControllerConfig;
}): AutoscalingPolicy<HpaControllerState> {
  const controller = options.controller ?? DEFAULT_CONTROLLER_CONFIG;
  return {
    name: options.name,
    syncPeriodSeconds: options.syncPeriodSeconds,
    initialState: () => EMPTY_CONTROLLER_STATE,
    decide(observation, state, nowSeconds) {
      const result = reconcileHpa(
        {
          hpa: options.spec,
          scale: { specReplicas: observation.specReplicas, statusReplicas: observation.statusReplicas },
          pods: observation.pods(),
          podsMetrics: {},
          objectMetrics: {},
          externalMetrics: {},
          controller,
        },
        state,
        nowSeconds,
      );
      const proposal = result.metricProposals.find((p) => p.valid);
      const detail = proposal?.valid ? ` (${proposal.metric}: ${proposal.reason})` : '';
      const limited = result.conditions.find((c) => c.type === 'ScalingLimited' && c.status === 'True');
      return {
        replicas: result.desiredReplicas,
        reason: `${result.rescaleReason || 'no change'}${detail}${limited ? `; ${limited.reason}` : ''}`,
        state: result.state,
      };
    },
  };
}
