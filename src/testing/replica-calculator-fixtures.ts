/**
 * The fake cluster of Kubernetes' replica_calculator_test.go (pkg/controller/podautoscaler), rebuilt on plain
 * data for the replica calculator's tests: n pods named test-pod-i, Ready since time zero, and their metrics.
 */
import type { PodMetricsInfo } from '../hpa/pods.js';
import type { Tolerances } from '../hpa/replicas.js';
import type { PodPhase, PodSnapshot } from '../hpa/types.js';
import { pod } from './hpa-fixtures.js';

export const NOW = 10_000;
export const K8S_TEST_READINESS = { cpuInitializationPeriodSeconds: 120, initialReadinessDelaySeconds: 10 };
export const DEFAULT_TOLERANCES: Tolerances = { scaleDown: 0.1, scaleUp: 0.1 };

/** The fake cluster of replica_calculator_test.go: n pods named test-pod-i, Ready since time zero. */
export interface Fixture {
  currentReplicas: number;
  /** Per-pod container request in cores (both containers), as resource.MustParse strings. */
  requests?: string[];
  /** Container usage in millicores (both containers); a shorter list means missing pods, a longer one superfluous samples. */
  levels: number[];
  readiness?: boolean[];
  /** 'now' = still initializing; '3m' = three minutes ago (past the 2 min test period); default long ago. */
  startTime?: ('now' | '3m')[];
  phase?: PodPhase[];
  deleting?: boolean[];
}

export function fixturePods(f: Fixture, requestPerPodMilli: (i: number) => number | undefined): PodSnapshot[] {
  const count = Math.max(f.currentReplicas, f.phase?.length ?? 0);
  return Array.from({ length: count }, (_, i) => {
    const request = requestPerPodMilli(i);
    const start = f.startTime?.[i];
    return pod(`test-pod-${i}`, {
      phase: f.phase?.[i] ?? 'Running',
      ready: f.readiness?.[i] ?? true,
      readyTransitionTimeSeconds: 0,
      startTimeSeconds: start === 'now' ? NOW : start === '3m' ? NOW - 180 : 0,
      deleting: f.deleting?.[i] ?? false,
      requestsMilli: request === undefined ? {} : { cpu: request },
    });
  });
}

/** metrics.k8s.io as the fake returns it: pod usage = sum of containers, timestamp zero, 1 min window. */
export function fixtureMetrics(levels: number[], perPod: (level: number) => number): PodMetricsInfo {
  return new Map(
    levels.map((level, i) => [`test-pod-${i}`, { valueMilli: perPod(level), timestampSeconds: 0, windowSeconds: 60 }]),
  );
}
