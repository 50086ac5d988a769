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

/**
 * What happened between two statuses of a resource, as events a person reads with `kubectl events`: a spec found
 * invalid (or invalid in a new way), fallback entered and left with its cause, and a change of the published
 * replicas with the planner's reason. Nothing when nothing changed, so refreshing a status posts nothing.
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
