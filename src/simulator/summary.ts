import type { SimulationRecord } from './simulate.js';

/** The service level a minute is judged against. */
export interface ServiceLevel {
  /** p95 latency must stay at or below this, seconds. */
  readonly latencyP95Seconds: number;
  /** Share of requests dropped in a minute above which the minute violates the SLO (0.001 = 0.1%). */
  readonly maxDropShare: number;
}

/** The figures of one run that the experiment reports (docs/experiment-results.md defines each). */
export interface RunSummary {
  /** Minutes whose p95 latency exceeded the SLO or whose drops exceeded `maxDropShare`. */
  readonly sloViolationMinutes: number;
  readonly podHours: number;
  readonly cost: number;
  /** CPU used over CPU requested by billed pods, percent. */
  readonly meanUtilizationPercent: number;
  readonly overProvisionedPodHours: number;
  readonly underProvisionedPodHours: number;
  /** Changes of `spec.replicas`. */
  readonly scalingActions: number;
  /** Scale direction reversals (up then down, or down then up) per hour of the period. */
  readonly oscillationsPerHour: number;
  readonly requests: number;
  /** Share of requests dropped over the period. */
  readonly droppedShare: number;
  /** Share of admitted requests slower than the SLO latency over the period. */
  readonly slowShare: number;
}

/** The names of the figures, in report order. */
export const SUMMARY_FIELDS = [
  'sloViolationMinutes',
  'podHours',
  'cost',
  'meanUtilizationPercent',
  'overProvisionedPodHours',
  'underProvisionedPodHours',
  'scalingActions',
  'oscillationsPerHour',
  'requests',
  'droppedShare',
  'slowShare',
] as const satisfies readonly (keyof RunSummary)[];

/**
 * Whether a minute with these request counts violates the SLO: p95 above the latency (over 5% of the admitted
 * requests slower) or too many drops. The one rule: runs are judged by it, and the cost-optimal oracle plans by it.
 */
export function minuteViolatesSlo(arrived: number, dropped: number, slow: number, slo: ServiceLevel): boolean {
  if (!(arrived > 0)) return false;
  if (dropped / arrived > slo.maxDropShare) return true;
  const admitted = arrived - dropped;
  // p95 > SLO exactly when more than 5% of admitted requests took longer than the SLO.
  return admitted > 0 && slow / admitted > 0.05;
}

/** Whether minute `m` of a run violated the SLO (`minuteViolatesSlo`). */
export function violatesSlo(record: SimulationRecord, m: number, slo: ServiceLevel): boolean {
  return minuteViolatesSlo(record.arrivals[m], record.dropped[m], record.slow[m], slo);
}

/** The figures of one run. */
export function summarize(record: SimulationRecord, slo: ServiceLevel): RunSummary {
  let violations = 0;
  let requests = 0;
  let dropped = 0;
  let slow = 0;
  let podSeconds = 0;
  let cpu = 0;
  let requested = 0;
  let over = 0;
  let under = 0;
  for (let m = 0; m < record.minutes; m++) {
    if (violatesSlo(record, m, slo)) violations++;
    requests += record.arrivals[m];
    dropped += record.dropped[m];
    slow += record.slow[m];
    podSeconds += record.billedPodSeconds[m];
    cpu += record.cpuCoreSeconds[m];
    requested += record.requestedCoreSeconds[m];
    over += record.overPodSeconds[m];
    under += record.underPodSeconds[m];
  }
  let reversals = 0;
  for (let i = 1; i < record.events.length; i++) {
    const previous = Math.sign(record.events[i - 1].to - record.events[i - 1].from);
    const current = Math.sign(record.events[i].to - record.events[i].from);
    if (previous !== current) reversals++;
  }
  const hours = (record.minutes * 60) / 3600;
  const podHours = podSeconds / 3600;
  return {
    sloViolationMinutes: violations,
    podHours,
    cost: podHours * record.costPerPodHour,
    meanUtilizationPercent: requested > 0 ? (100 * cpu) / requested : 0,
    overProvisionedPodHours: over / 3600,
    underProvisionedPodHours: under / 3600,
    scalingActions: record.events.length,
    oscillationsPerHour: hours > 0 ? reversals / hours : 0,
    requests,
    droppedShare: requests > 0 ? dropped / requests : 0,
    slowShare: requests - dropped > 0 ? slow / (requests - dropped) : 0,
  };
}

/** Mean and sample standard deviation over seeds (std 0 for one seed), with the per-seed values. */
export interface Aggregate {
  readonly mean: number;
  readonly std: number;
  readonly values: readonly number[];
}

/** Mean ± std of a list of values. */
export function aggregate(values: readonly number[]): Aggregate {
  const n = values.length;
  const mean = n > 0 ? values.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const variance = n > 1 ? values.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), values };
}

/** Each figure aggregated over the seeds' runs. */
export type SummaryAggregate = { readonly [K in keyof RunSummary]: Aggregate };

/** Aggregates the runs of one policy over seeds. */
export function aggregateSummaries(summaries: readonly RunSummary[]): SummaryAggregate {
  const out: Partial<Record<keyof RunSummary, Aggregate>> = {};
  for (const field of SUMMARY_FIELDS) out[field] = aggregate(summaries.map((s) => s[field]));
  return out as SummaryAggregate;
}
