import { mergeConfig, parseSimulationConfig, type SimulationConfig } from '../simulator/config.js';
import type { SummaryAggregate } from '../simulator/summary.js';

/*
 * The frontier mode of `prescale experiment --sweep` (docs/simulator.md, "Equal cost: the frontier"): each policy
 * run across its operating points gives a curve of cost against SLO-violation minutes; policies are compared at
 * equal cost on the HPA's curve, not against one HPA setting.
 */

/** The operating points a sweep runs: the HPA's CPU target and Prescale's forecast quantile. */
export const SWEEP_DEFAULTS: SweepSettings = {
  /** `averageUtilization` of the baseline HPA's CPU metric, percent (the shipped baseline is 70). */
  hpaCpuTargetsPercent: [50, 55, 60, 65, 70, 75, 80],
  /** The workload's `prediction.quantile` (the CRD default is 0.9); headroom and the rest stay as configured. */
  prescaleQuantiles: [0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
};

/** What a sweep varies. */
export interface SweepSettings {
  readonly hpaCpuTargetsPercent: readonly number[];
  readonly prescaleQuantiles: readonly number[];
}

/** A policy that is swept across operating points. */
export type SweptPolicy = 'hpa' | 'prescale';

/** One operating point of a sweep: a policy run under its own config, or (config null) the experiment's own run. */
export interface SweepVariant {
  readonly policy: SweptPolicy;
  readonly setting: string;
  readonly value: number;
  /** The world with this point's setting; null: the policy as configured, whose run the experiment already has. */
  readonly config: SimulationConfig | null;
}

/** The CPU target of an HPA whose only metric is CPU utilization; null for any other HPA. */
function cpuTargetOf(config: SimulationConfig): number | null {
  const [metric, ...rest] = config.hpa.metrics;
  return rest.length === 0 && metric?.type === 'Resource' && metric.resource.target.type === 'Utilization'
    ? metric.resource.target.averageUtilization
    : null;
}

/**
 * The sweep's operating points over the user's config (`userConfig`, as `--config` gives it): the baseline HPA
 * with only CPU at each target, Prescale at each quantile, everything else as configured. The point equal to the
 * configured policy (or, when none is, the configured policy added as a point) reuses the experiment's own run.
 */
export function sweepVariants(
  userConfig: unknown,
  source: string,
  base: SimulationConfig,
  sweep: SweepSettings = SWEEP_DEFAULTS,
): SweepVariant[] {
  const withOverride = (override: unknown) => parseSimulationConfig(mergeConfig(userConfig, override), source);
  const baseTarget = cpuTargetOf(base);
  const hpa = sweep.hpaCpuTargetsPercent.map(
    (target): SweepVariant => ({
      policy: 'hpa',
      setting: `CPU target ${target} %`,
      value: target,
      config:
        target === baseTarget
          ? null
          : withOverride({
              policies: {
                hpa: {
                  metrics: [
                    {
                      type: 'Resource',
                      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } },
                    },
                  ],
                },
              },
            }),
    }),
  );
  const baseQuantile = base.workload.policy.quantile;
  const prescale = sweep.prescaleQuantiles.map(
    (quantile): SweepVariant => ({
      policy: 'prescale',
      setting: `quantile ${quantile}`,
      value: quantile,
      config: quantile === baseQuantile ? null : withOverride({ workload: { spec: { prediction: { quantile } } } }),
    }),
  );
  const configured = (policy: SweptPolicy, value: number | null): SweepVariant[] =>
    value !== null && [...hpa, ...prescale].some((v) => v.policy === policy && v.value === value)
      ? []
      : [{ policy, setting: 'as configured', value: value ?? Number.NaN, config: null }];
  return [...hpa, ...configured('hpa', baseTarget), ...prescale, ...configured('prescale', baseQuantile)];
}

/** One operating point of a swept policy, with its figures over the seeds. */
export interface SweepPoint {
  readonly policy: SweptPolicy;
  /** What was set, for people: `CPU target 55 %`, `quantile 0.9`. */
  readonly setting: string;
  /** The swept value (the target in percent, or the quantile). */
  readonly value: number;
  /** This point is the policy as configured (the experiment's own run of it, reused). */
  readonly configured: boolean;
  readonly aggregate: SummaryAggregate;
}

/** A point of a cost/violations curve (means over seeds). */
export interface CostPoint {
  readonly cost: number;
  readonly minutes: number;
}

/**
 * The points no other point beats (cheaper and no more violation minutes): the efficient frontier, by cost
 * ascending, its minutes strictly falling. A setting that costs more for more violations is not on it.
 */
export function paretoFrontier<P extends CostPoint>(points: readonly P[]): P[] {
  const sorted = [...points].sort((a, b) => a.cost - b.cost || a.minutes - b.minutes);
  const frontier: P[] = [];
  for (const point of sorted) {
    const last = frontier.at(-1);
    if (last === undefined || point.minutes < last.minutes) frontier.push(point);
  }
  return frontier;
}

/** An interpolated figure on a frontier: `exact` within the swept range, `atMost` beyond its cheap or dear end. */
export interface FrontierReading {
  readonly value: number;
  readonly bound: 'exact' | 'atMost';
}

/** Linear interpolation of y at x between two points. */
function between(x: number, x0: number, y0: number, x1: number, y1: number): number {
  return x1 === x0 ? Math.min(y0, y1) : y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
}

/**
 * The frontier's SLO-violation minutes at `cost`, linear between its neighbouring points. Dearer than its dearest
 * point, the frontier has at most that point's minutes; cheaper than its cheapest point it is unknown (null).
 */
export function minutesAtCost(frontier: readonly CostPoint[], cost: number): FrontierReading | null {
  if (frontier.length === 0 || cost < frontier[0].cost) return null;
  const last = frontier[frontier.length - 1];
  if (cost >= last.cost) return { value: last.minutes, bound: cost === last.cost ? 'exact' : 'atMost' };
  const i = frontier.findIndex((p) => p.cost > cost);
  const [a, b] = [frontier[i - 1], frontier[i]];
  return { value: between(cost, a.cost, a.minutes, b.cost, b.minutes), bound: 'exact' };
}

/**
 * The frontier's cost at `minutes` SLO-violation minutes, linear between its neighbouring points. At more minutes
 * than its cheapest point the cost is at most that point's; below its fewest minutes it is unknown (null).
 */
export function costAtMinutes(frontier: readonly CostPoint[], minutes: number): FrontierReading | null {
  if (frontier.length === 0) return null;
  const first = frontier[0];
  if (minutes >= first.minutes) return { value: first.cost, bound: minutes === first.minutes ? 'exact' : 'atMost' };
  const last = frontier[frontier.length - 1];
  if (minutes < last.minutes) return null;
  const i = frontier.findIndex((p) => p.minutes <= minutes);
  const [a, b] = [frontier[i - 1], frontier[i]];
  return { value: between(minutes, a.minutes, a.cost, b.minutes, b.cost), bound: 'exact' };
}

/** A policy's point read against the HPA's frontier at equal cost and at equal minutes. */
export interface EqualCostRow {
  readonly policy: string;
  readonly setting: string;
  readonly configured: boolean;
  readonly cost: number;
  readonly minutes: number;
  /** The HPA frontier's minutes at this cost, and this point's minutes over them (null when unknown or 0/0). */
  readonly hpaMinutesAtCost: FrontierReading | null;
  readonly minutesRatio: number | null;
  /** The HPA frontier's cost at this point's minutes, and this point's cost over it. */
  readonly hpaCostAtMinutes: FrontierReading | null;
  readonly costRatio: number | null;
}

/** A point of some policy, to be read against the HPA's frontier. */
export interface RatedPoint extends CostPoint {
  readonly policy: string;
  readonly setting: string;
  readonly configured: boolean;
}

/** One point read against the HPA's frontier (`paretoFrontier` of its sweep) at equal cost and at equal minutes. */
export function equalCostRow(hpaFrontier: readonly CostPoint[], p: RatedPoint): EqualCostRow {
  const atCost = minutesAtCost(hpaFrontier, p.cost);
  const atMinutes = costAtMinutes(hpaFrontier, p.minutes);
  return {
    policy: p.policy,
    setting: p.setting,
    configured: p.configured,
    cost: p.cost,
    minutes: p.minutes,
    hpaMinutesAtCost: atCost,
    minutesRatio: atCost === null ? null : ratio(p.minutes, atCost.value),
    hpaCostAtMinutes: atMinutes,
    costRatio: atMinutes === null ? null : ratio(p.cost, atMinutes.value),
  };
}

/** Reads every non-HPA point (and `extra`, e.g. the cost-optimal oracle) against the HPA's frontier. */
export function equalCostRows(
  points: readonly SweepPoint[],
  extra: readonly { policy: string; setting: string; cost: number; minutes: number }[] = [],
): EqualCostRow[] {
  const hpa = paretoFrontier(points.filter((p) => p.policy === 'hpa').map(costPointOf));
  const others = [
    ...points.filter((p) => p.policy !== 'hpa').map((p) => ({ ...costPointOf(p), ...p })),
    ...extra.map((p) => ({ ...p, configured: false })),
  ];
  return others.map((p) => equalCostRow(hpa, p));
}

/** A sweep point's means. */
export function costPointOf(point: SweepPoint): CostPoint {
  return { cost: point.aggregate.cost.mean, minutes: point.aggregate.sloViolationMinutes.mean };
}

/** a / b; 1 when both are 0 (no violations against none), null when only b is. */
function ratio(a: number, b: number): number | null {
  if (b > 0) return a / b;
  return a === 0 ? 1 : null;
}

/** What the equal-cost table reads of a dataset's experiment (`DatasetExperiment` has it). */
export interface SweptDataset {
  readonly sweep: readonly SweepPoint[];
  readonly aggregates: Readonly<Partial<Record<string, SummaryAggregate>>>;
}

/** The cost-optimal oracle as a row of the equal-cost table (its cost is the limit). */
export function limitRows(d: SweptDataset) {
  const limit = d.aggregates['oracle-cost'];
  return limit
    ? [{ policy: 'oracle-cost', setting: 'the limit', cost: limit.cost.mean, minutes: limit.sloViolationMinutes.mean }]
    : [];
}

/** The RL agent, when it was run, as a row of the equal-cost table (one point: its checkpoint as trained). */
function rlRows(d: SweptDataset) {
  const rl = d.aggregates.rl;
  return rl ? [{ policy: 'rl', setting: 'as trained', cost: rl.cost.mean, minutes: rl.sloViolationMinutes.mean }] : [];
}

/** Each dataset's equal-cost rows: every non-HPA point, the RL agent and the limit read against the HPA's frontier. */
export function frontierRows(d: SweptDataset): EqualCostRow[] {
  return equalCostRows(d.sweep, [...rlRows(d), ...limitRows(d)]);
}

/** `84.0`, `≤ 0.0` beyond the swept range, `–` when the frontier does not reach it. */
export function formatReading(reading: FrontierReading | null, digits: number, prefix = ''): string {
  if (reading === null) return '–';
  return `${reading.bound === 'atMost' ? '≤ ' : ''}${prefix}${reading.value.toFixed(digits)}`;
}

/** The columns of the equal-cost table (the CLI's and the study's). */
export const EQUAL_COST_HEADER = [
  'policy',
  'setting',
  'cost $',
  'SLO-viol min',
  'HPA min at cost',
  'min ratio',
  'HPA $ at min',
  'cost ratio',
] as const;

/** One equal-cost row as the cells of `EQUAL_COST_HEADER` (`*` marks the point as configured). */
export function equalCostCells(r: EqualCostRow): string[] {
  const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
  return [
    r.policy,
    `${r.setting}${r.configured ? ' *' : ''}`,
    fixed(r.cost, 2),
    fixed(r.minutes, 1),
    formatReading(r.hpaMinutesAtCost, 1),
    formatRatio(r.minutesRatio),
    formatReading(r.hpaCostAtMinutes, 2),
    formatRatio(r.costRatio),
  ];
}

/** A ratio as `0.25×`, `–` when unknown. */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `${ratio.toFixed(2)}×`;
}
