import { z } from 'zod';
import type { PodResources } from '../planner/vertical.js';
import { quantitySchema } from './quantity.js';

/**
 * What Prescale knows of one pod of the target: its requests and limits (Kubernetes quantities) and its cost.
 * One schema, composed by the `prescale plan` request (`workload.resources`, `workload.costPerPodHour`) and the
 * service config (a workload's `pod` block); the simulator's pod model gives the same facts.
 */

/** Requests and limits of one pod as a zod shape; CPU in millicores, memory in bytes once parsed. */
export const podResourcesShape = {
  cpuRequest: quantitySchema('milli').optional(),
  cpuLimit: quantitySchema('milli').optional(),
  memoryRequest: quantitySchema('one').optional(),
  memoryLimit: quantitySchema('one').optional(),
};

/** Cost of one pod per hour (any currency, the budget's); 0 is a free pod, on which no cost cap acts. */
export const costPerPodHourSchema = z.number().min(0).optional();

/** The pod as the service config's `pod` block writes it. */
export const podSchema = z.strictObject({ ...podResourcesShape, costPerPodHour: costPerPodHourSchema });

/** The pod's facts once parsed. */
export interface Pod {
  readonly resources: PodResources;
  readonly costPerPodHour: number | null;
}

/** Nothing known of the pod (a resource read on its own, before its target is looked at). */
export const UNKNOWN_POD: Pod = {
  resources: { cpuRequestMillicores: null, cpuLimitMillicores: null, memoryRequestBytes: null, memoryLimitBytes: null },
  costPerPodHour: null,
};

/** Parsed `podResourcesShape` fields as the planner reads them (null = not given). */
export function toPodResources(r: {
  cpuRequest?: number;
  cpuLimit?: number;
  memoryRequest?: number;
  memoryLimit?: number;
}): PodResources {
  return {
    cpuRequestMillicores: r.cpuRequest ?? null,
    cpuLimitMillicores: r.cpuLimit ?? null,
    memoryRequestBytes: r.memoryRequest ?? null,
    memoryLimitBytes: r.memoryLimit ?? null,
  };
}

/** Where the budget rule reports, relative to the object its check is attached to. */
export interface BudgetPaths {
  /** The object holding the policy fields as messages name it (`policy`, `spec`). */
  readonly holder: string;
  readonly budget: readonly PropertyKey[];
  /** Where the pod's CPU request and cost are written; null when the document does not hold them. */
  readonly cpuRequest: readonly PropertyKey[] | null;
  readonly costPerPodHour: readonly PropertyKey[] | null;
}

/**
 * The policy rule that needs the pod: a core budget needs the CPU request, a cost budget the pod's cost.
 * Reports at the pod field when the document holds one, else at the budget field.
 */
export function checkBudgetAgainstPod(
  budget: { readonly maxCores?: number; readonly maxCostPerHour?: number },
  pod: Pod,
  at: BudgetPaths,
  report: (path: readonly PropertyKey[], message: string) => void,
): void {
  const needs = [
    {
      cap: 'maxCores',
      missing: budget.maxCores !== undefined && pod.resources.cpuRequestMillicores === null,
      podPath: at.cpuRequest,
      what: 'the pod CPU request (e.g. 500m)',
    },
    {
      cap: 'maxCostPerHour',
      missing: budget.maxCostPerHour !== undefined && pod.costPerPodHour === null,
      podPath: at.costPerPodHour,
      what: 'the cost of one pod per hour',
    },
  ];
  for (const need of needs) {
    if (!need.missing) continue;
    if (need.podPath === null) {
      report([...at.budget, need.cap], `needs ${need.what}, which is not known here; give it or drop ${need.cap}`);
    } else {
      report(
        need.podPath,
        `required by ${at.holder}.planner.budget.${need.cap}; give ${need.what} or drop ${need.cap}`,
      );
    }
  }
}
