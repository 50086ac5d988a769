/**
 * One reconcile of the Kubernetes HPA controller (`reconcileAutoscaler` in `horizontal.go`) as a pure function:
 * observation and controller memory in, replicas, conditions and new memory out, `now` passed in.
 */
import { computeReplicasForMetrics } from './metrics.js';
import { type NormalizationArgs, normalizeLegacy, normalizeWithBehavior, storeScaleEvent } from './normalize.js';
import { tolerancesForHpa } from './replicas.js';
import type { HpaCondition, HpaControllerState, HpaObservation, HpaReconcileResult, MetricProposal } from './types.js';

/** The memory of an HPA the controller has not reconciled yet. */
export const EMPTY_CONTROLLER_STATE: HpaControllerState = {
  recommendations: [],
  scaleUpEvents: [],
  scaleDownEvents: [],
};

/** `setCondition` on the list this reconcile builds: replaces a type in place, else appends. */
function setCondition(conditions: HpaCondition[], condition: HpaCondition): void {
  for (let i = 0; i < conditions.length; i++) {
    if (conditions[i].type === condition.type) {
      conditions[i] = condition;
      return;
    }
  }
  conditions.push(condition);
}

const SUCCEEDED_GET_SCALE: HpaCondition = {
  type: 'AbleToScale',
  status: 'True',
  reason: 'SucceededGetScale',
  message: "the HPA controller was able to get the target's current scale",
};

/**
 * Runs one reconcile in the controller's order (docs/hpa-emulation.md#order-of-operations-one-reconcile): initial
 * recommendation record, the bypasses for zero / above-max / below-min current replicas, metric proposals, legacy
 * or behavior normalization, rescale and scale-event memory. The scale update always succeeds here (no API
 * server to fail).
 */
export function reconcileHpa(
  observation: HpaObservation,
  state: HpaControllerState,
  nowSeconds: number,
): HpaReconcileResult {
  const { hpa } = observation;
  const conditions: HpaCondition[] = [SUCCEEDED_GET_SCALE];
  const currentReplicas = observation.scale.specReplicas;
  let recommendations =
    state.recommendations.length === 0
      ? [{ timestampSeconds: nowSeconds, replicas: currentReplicas }]
      : state.recommendations;
  const minReplicas = hpa.minReplicas;
  let desiredReplicas = 0;
  let rescaleReason = '';
  let rescale = true;
  let metricProposals: readonly MetricProposal[] = [];

  if (currentReplicas === 0) {
    // Without scale-to-zero the HPA stands still once someone scaled the target to 0 (maintenance mode).
    rescale = false;
    setCondition(conditions, {
      type: 'ScalingActive',
      status: 'False',
      reason: 'ScalingDisabled',
      message: 'scaling is disabled since the replica count of the target is zero',
    });
  } else if (currentReplicas > hpa.maxReplicas) {
    rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    desiredReplicas = hpa.maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    desiredReplicas = minReplicas;
  } else {
    const tolerances = tolerancesForHpa(hpa.behavior, observation.controller.tolerance);
    const verdict = computeReplicasForMetrics(observation, tolerances, nowSeconds);
    metricProposals = verdict.proposals;
    setCondition(conditions, verdict.condition);
    if (verdict.aborted) {
      return {
        desiredReplicas: currentReplicas,
        rescale: false,
        rescaleReason: '',
        metricProposals,
        conditions,
        state: { ...state, recommendations },
      };
    }
    let rescaleMetric = '';
    if (verdict.replicas > desiredReplicas) {
      desiredReplicas = verdict.replicas;
      rescaleMetric = verdict.metric;
    }
    if (desiredReplicas > currentReplicas) rescaleReason = `${rescaleMetric} above target`;
    if (desiredReplicas < currentReplicas) rescaleReason = 'All metrics below target';
    const args: NormalizationArgs = {
      recommendations,
      scaleUpEvents: state.scaleUpEvents,
      scaleDownEvents: state.scaleDownEvents,
      currentReplicas,
      rawReplicas: desiredReplicas,
      minReplicas,
      maxReplicas: hpa.maxReplicas,
      downscaleStabilizationWindowSeconds: observation.controller.downscaleStabilizationWindowSeconds,
      nowSeconds,
    };
    const normalized = hpa.behavior === null ? normalizeLegacy(args) : normalizeWithBehavior(hpa.behavior, args);
    setCondition(conditions, normalized.ableToScale);
    setCondition(conditions, normalized.scalingLimited);
    recommendations = normalized.recommendations;
    desiredReplicas = normalized.replicas;
    rescale = desiredReplicas !== currentReplicas;
  }

  let { scaleUpEvents, scaleDownEvents } = state;
  if (rescale) {
    setCondition(conditions, {
      type: 'AbleToScale',
      status: 'True',
      reason: 'SucceededRescale',
      message: `the HPA controller was able to update the target scale to ${desiredReplicas}`,
    });
    if (hpa.behavior !== null) {
      ({ scaleUpEvents, scaleDownEvents } = storeScaleEvent({
        behavior: hpa.behavior,
        scaleUpEvents,
        scaleDownEvents,
        previousReplicas: currentReplicas,
        newReplicas: desiredReplicas,
        nowSeconds,
      }));
    }
  } else {
    desiredReplicas = currentReplicas;
  }
  return {
    desiredReplicas,
    rescale,
    rescaleReason: rescale ? rescaleReason : '',
    metricProposals,
    conditions,
    state: { recommendations, scaleUpEvents, scaleDownEvents },
  };
}

/** A condition as kept in HPA status: with the time its status last flipped. */
export interface HpaConditionStatus extends HpaCondition {
  readonly lastTransitionTimeSeconds: number;
}

/**
 * `setConditionInList` over a whole reconcile: merges the conditions a reconcile set into the
 * previous status. Untouched types keep their value; `lastTransitionTime` moves only when a status flips.
 */
export function applyConditions(
  previous: readonly HpaConditionStatus[],
  updates: readonly HpaCondition[],
  nowSeconds: number,
): HpaConditionStatus[] {
  const merged = previous.slice();
  for (const update of updates) {
    const index = merged.findIndex((existing) => existing.type === update.type);
    const old = index >= 0 ? merged[index] : undefined;
    const lastTransitionTimeSeconds =
      old !== undefined && old.status === update.status ? old.lastTransitionTimeSeconds : nowSeconds;
    const next = { ...update, lastTransitionTimeSeconds };
    if (index >= 0) merged[index] = next;
    else merged.push(next);
  }
  return merged;
}

/**
 * The controller's schedule (its work queue re-adds each HPA with a delay of one sync period): the first
 * reconcile one sync period after the HPA is created, then every sync period. Returns the first reconcile time
 * strictly after `afterSeconds`.
 */
export function nextReconcileSeconds(
  createdAtSeconds: number,
  afterSeconds: number,
  syncPeriodSeconds: number,
): number {
  const periods = Math.max(1, Math.floor((afterSeconds - createdAtSeconds) / syncPeriodSeconds) + 1);
  return createdAtSeconds + periods * syncPeriodSeconds;
}
