/** A status condition as Kubernetes writes them (`metav1.Condition`). */
export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/**
 * Sets one condition in a list: `lastTransitionTime` moves only when the status changes (API conventions), the
 * reason, message and observed generation are always the latest; the other conditions are kept as they are.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: Pick<Condition, 'type' | 'status' | 'reason' | 'message'>,
  nowIso: string,
  observedGeneration: number | undefined,
): Condition[] {
  const previous = conditions.find((condition) => condition.type === next.type);
  const lastTransitionTime =
    previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : nowIso;
  const condition: Condition = {
    ...next,
    lastTransitionTime,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
  };
  return [...conditions.filter((c) => c.type !== next.type), condition];
}
