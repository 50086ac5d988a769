import type { Condition } from './conditions.js';

/** One event about a PredictiveAutoscaler (events.k8s.io/v1 `type`, `reason`, `action`, `note`). */
export interface ResourceEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly action: string;
  readonly note: string;
}

/** The part of a status the events compare. */
export interface EventedStatus {
  readonly desiredReplicas?: number;
  readonly reason?: string;
  readonly conditions?: readonly Condition[];
}

const conditionOf = (status: EventedStatus, type: string) => status.conditions?.find((c) => c.type === type);

/** A `Ready=False` that is not an invalid spec (which has its own event): the condition, else undefined. */
function refusal(status: EventedStatus): Condition | undefined {
  const ready = conditionOf(status, 'Ready');
  return ready?.status === 'False' && ready.reason !== 'InvalidSpec' ? ready : undefined;
}

/**
 * What happened between two statuses of a resource, as events a person reads with `kubectl events`: a spec found
 * invalid (or invalid in a new way), scaling refused (`Ready=False`, e.g. Direct beside another autoscaler) and
 * resumed, fallback entered and left with its cause, and a change of the published replicas with the planner's
 * reason. Nothing when nothing changed, so refreshing a status posts nothing.
 */
export function eventsBetween(previous: EventedStatus, next: EventedStatus): ResourceEvent[] {
  const events: ResourceEvent[] = [];
  const invalidBefore = conditionOf(previous, 'InvalidSpec');
  const invalidNow = conditionOf(next, 'InvalidSpec');
  if (
    invalidNow?.status === 'True' &&
    (invalidBefore?.status !== 'True' || invalidBefore.message !== invalidNow.message)
  ) {
    events.push({ type: 'Warning', reason: 'InvalidSpec', action: 'Validate', note: invalidNow.message });
  }
  // Ready=False for another reason than an invalid spec: Direct refusing to scale (another autoscaler, no target).
  const refusedBefore = refusal(previous);
  const refusedNow = refusal(next);
  if (
    refusedNow !== undefined &&
    (refusedBefore?.reason !== refusedNow.reason || refusedBefore.message !== refusedNow.message)
  ) {
    events.push({ type: 'Warning', reason: refusedNow.reason, action: 'Scale', note: refusedNow.message });
  }
  if (refusedBefore !== undefined && conditionOf(next, 'Ready')?.status === 'True') {
    events.push({
      type: 'Normal',
      reason: 'ScalingResumed',
      action: 'Scale',
      note: `resumed: ${refusedBefore.reason} no longer holds`,
    });
  }
  const fallbackBefore = conditionOf(previous, 'FallbackActive')?.status === 'True';
  const fallbackNow = conditionOf(next, 'FallbackActive');
  if (fallbackNow !== undefined && fallbackNow.status === 'True' && !fallbackBefore) {
    events.push({ type: 'Warning', reason: 'FallbackEntered', action: 'Fallback', note: fallbackNow.message });
  }
  if (fallbackNow !== undefined && fallbackNow.status === 'False' && fallbackBefore) {
    events.push({ type: 'Normal', reason: 'FallbackLeft', action: 'Fallback', note: fallbackNow.message });
  }
  if (next.desiredReplicas !== undefined && next.desiredReplicas !== previous.desiredReplicas) {
    const from = previous.desiredReplicas === undefined ? '' : ` from ${previous.desiredReplicas}`;
    events.push({
      type: 'Normal',
      reason: 'DesiredReplicasChanged',
      action: 'Scale',
      note: `desired replicas${from} to ${next.desiredReplicas}: ${next.reason ?? ''}`.slice(0, 1024),
    });
  }
  return events;
}
