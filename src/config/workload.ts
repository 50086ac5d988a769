import { z } from 'zod';
import { rule } from '../core/issues.js';
import { capacitySource } from '../planner/capacity.js';
import type { PodResources } from '../planner/vertical.js';
import { podSchema, toPodResources } from './pod.js';
import {
  budgetRule,
  type PredictiveAutoscaler,
  predictiveAutoscalerShape,
  toPredictiveAutoscaler,
} from './predictive-autoscaler.js';

/**
 * A `workloads:` entry of the service config: a `PredictiveAutoscaler` resource (`metadata` + `spec`, the one
 * shape shared with the CRD and the simulator) plus two service-only blocks: `queries` (the extra signals the
 * service reads from Prometheus) and `pod` (what the operator would read from the target: requests and cost).
 */

/** A PromQL expression, trimmed; empty text is refused. */
export const promqlSchema = z.string().trim().min(1, 'is empty; give a PromQL expression or remove the field');

/** Extra PromQL the service reads for a workload, each an instant query; null = not read. */
export interface WorkloadQueries {
  /** Total CPU cores used by the workload's pods: utilization for the reactive value, and the capacity fit. */
  readonly cpu: string | null;
  /** Total working-set bytes of the pods: the memory recommendation. */
  readonly memory: string | null;
  /** A latency (e.g. p95 seconds): reported beside the plan. */
  readonly latency: string | null;
  /** Current replicas of the target (e.g. kube-state-metrics' `kube_deployment_status_replicas`). */
  readonly replicas: string | null;
}

/** One workload as the service runs it. */
export interface WorkloadConfig {
  /** The parsed `PredictiveAutoscaler` (durations in seconds, policy ready for the planner). */
  readonly resource: PredictiveAutoscaler;
  readonly queries: WorkloadQueries;
  /** Requests and limits of one pod, in millicores and bytes (null when not given). */
  readonly podResources: PodResources;
  readonly costPerPodHour: number | null;
  /** The load signal is CPU in cores (the default metric), so capacity follows from the CPU request. */
  readonly loadIsCpuCores: boolean;
}

const entryFields = z.strictObject({
  ...predictiveAutoscalerShape,
  queries: z
    .strictObject({
      cpu: promqlSchema.optional(),
      memory: promqlSchema.optional(),
      latency: promqlSchema.optional(),
      replicas: promqlSchema.optional(),
    })
    .prefault({}),
  pod: podSchema.prefault({}),
});

type EntryFields = z.output<typeof entryFields>;

const podOf = (entry: EntryFields) => ({
  resources: toPodResources(entry.pod),
  costPerPodHour: entry.pod.costPerPodHour ?? null,
});

/** A `workloads:` entry, parsed with the rules that need the resource and the service blocks together. */
export const workloadEntrySchema = entryFields
  .check(
    budgetRule<EntryFields>([['pod']], podOf, {
      cpuRequest: ['pod', 'cpuRequest'],
      costPerPodHour: ['pod', 'costPerPodHour'],
    }),
    rule<EntryFields>([['spec', 'capacity'], ['spec', 'metric'], ['pod'], ['queries']], (entry, report) => {
      const loadIsCpuCores = entry.spec.metric.query === undefined;
      const source = capacitySource({
        perPod: entry.spec.capacity.perPod ?? null,
        loadIsCpuCores,
        cpuRequestMillicores: entry.pod.cpuRequest ?? null,
        hasHistory: entry.queries.cpu !== undefined,
      });
      if (source === null) {
        report(
          ['spec', 'capacity', 'perPod'],
          loadIsCpuCores
            ? 'not given and cannot be derived; set it, or give pod.cpuRequest (capacity = request × targetUtilization)'
            : 'not given and cannot be derived; set it (load one pod serves at its target), or give queries.cpu so it is learned from history',
        );
      }
    }),
  )
  .transform((entry): WorkloadConfig => {
    const resource = toPredictiveAutoscaler(entry);
    const pod = podOf(entry);
    return {
      resource,
      queries: {
        cpu: entry.queries.cpu ?? null,
        memory: entry.queries.memory ?? null,
        latency: entry.queries.latency ?? null,
        replicas: entry.queries.replicas ?? null,
      },
      podResources: pod.resources,
      costPerPodHour: pod.costPerPodHour,
      loadIsCpuCores: resource.metric.isDefaultCpuQuery,
    };
  });
