import type { PublishedSource } from '../../executor/types.js';
import type { WorkloadStatus } from '../workload-status.js';

/** One workload's state after one sync: what the UI's charts and decision list are drawn from. */
export interface HistoryPoint {
  readonly timeSeconds: number;
  /** The newest observed load and the start of its bucket; null when nothing was observed yet. */
  readonly load: { readonly bucketSeconds: number; readonly value: number } | null;
  /** The forecast at the planning horizon made at this sync, for the bucket it targets; null without one. */
  readonly forecast: {
    readonly targetSeconds: number;
    readonly point: number;
    readonly lower: number | null;
    readonly upper: number | null;
  } | null;
  /** What was published, what the target ran, and what a reactive HPA alone would have asked for. */
  readonly desiredReplicas: number;
  readonly currentReplicas: number | null;
  readonly reactiveReplicas: number | null;
  readonly source: PublishedSource;
  readonly reason: string;
  readonly fallbackActive: boolean;
}

/** Syncs kept per workload: an hour at a 5 s sync period, ten hours at the default minute. */
export const HISTORY_POINTS = 720;

/**
 * The recent syncs of every workload, newest last, in memory only (the UI shows the last hours; Prometheus
 * and the dashboard keep the long history). `record` runs after each sync; a removed workload is forgotten.
 */
export class StatusHistory {
  private readonly byWorkload = new Map<string, HistoryPoint[]>();

  constructor(private readonly capacity = HISTORY_POINTS) {}

  record(status: WorkloadStatus): void {
    if (status.lastSyncSeconds === null) return;
    const key = workloadKey(status.namespace, status.name);
    const points = this.byWorkload.get(key) ?? [];
    if (points.at(-1)?.timeSeconds === status.lastSyncSeconds) return;
    points.push(historyPoint(status, status.lastSyncSeconds));
    if (points.length > this.capacity) points.splice(0, points.length - this.capacity);
    this.byWorkload.set(key, points);
  }

  points(namespace: string, name: string): readonly HistoryPoint[] {
    return this.byWorkload.get(workloadKey(namespace, name)) ?? [];
  }

  forget(namespace: string, name: string): void {
    this.byWorkload.delete(workloadKey(namespace, name));
  }
}

function workloadKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function historyPoint(status: WorkloadStatus, timeSeconds: number): HistoryPoint {
  const { forecast, data } = status;
  const h = Math.min(status.accuracy.planningHorizonSteps, forecast?.point.length ?? 0);
  return {
    timeSeconds,
    load:
      data.load === null || data.lastSampleSeconds === null
        ? null
        : { bucketSeconds: data.lastSampleSeconds, value: data.load },
    forecast:
      forecast === null || h === 0
        ? null
        : {
            targetSeconds: forecast.startSeconds + (h - 1) * forecast.stepSeconds,
            point: forecast.point[h - 1],
            lower: forecast.intervals?.lower[h - 1] ?? null,
            upper: forecast.intervals?.upper[h - 1] ?? null,
          },
    desiredReplicas: status.published.replicas,
    currentReplicas: data.replicas,
    reactiveReplicas: status.plan?.decision.reactiveReplicas ?? null,
    source: status.published.source,
    reason: status.published.reason,
    fallbackActive: status.fallback.active,
  };
}

/** Decisions listed: the newest replica or source changes. */
const DECISIONS_SHOWN = 20;

/**
 * `GET /v1/workloads/:name/history`: the recent syncs as column arrays on one time axis, the shape uPlot draws
 * (null = no value at that time). `load` joins the observed load, the forecast each sync made for its planning
 * horizon (placed at the time it targets, so it can be read against what came) and the current forecast ahead;
 * `replicas` holds published, current and reactive replicas per sync; `decisions` the newest changes with reasons.
 */
export function historyJson(points: readonly HistoryPoint[], status: WorkloadStatus) {
  const load = new Map<number, LoadRow>();
  const row = (t: number) => {
    let r = load.get(t);
    if (r === undefined) {
      r = { observed: null, predicted: null, lower: null, upper: null };
      load.set(t, r);
    }
    return r;
  };
  for (const p of points) {
    if (p.load !== null) row(p.load.bucketSeconds).observed = p.load.value;
    if (p.forecast !== null) setForecast(row(p.forecast.targetSeconds), p.forecast);
  }
  const ahead = status.forecast;
  if (ahead !== null) {
    for (let k = 0; k < ahead.point.length; k++) {
      setForecast(row(ahead.startSeconds + k * ahead.stepSeconds), {
        point: ahead.point[k],
        lower: ahead.intervals?.lower[k] ?? null,
        upper: ahead.intervals?.upper[k] ?? null,
      });
    }
  }
  const loadTimes = [...load.keys()].sort((a, b) => a - b);
  const column = (pick: (r: LoadRow) => number | null) => loadTimes.map((t) => finiteOrNull(pick(load.get(t)!)));
  const decisions: Decision[] = [];
  for (let i = 0; i < points.length; i++) {
    const previous = points[i - 1];
    const p = points[i];
    if (previous?.desiredReplicas === p.desiredReplicas && previous.source === p.source) continue;
    decisions.push({
      timeSeconds: p.timeSeconds,
      from: previous?.desiredReplicas ?? null,
      to: p.desiredReplicas,
      source: p.source,
      reason: p.reason,
      fallbackActive: p.fallbackActive,
    });
  }
  return {
    name: status.name,
    namespace: status.namespace,
    /** How far ahead the recorded forecasts looked (the horizon the plan reads); null without a forecast now. */
    planningHorizonSeconds: ahead === null ? null : status.accuracy.planningHorizonSteps * ahead.stepSeconds,
    load: {
      timesSeconds: loadTimes,
      observed: column((r) => r.observed),
      predicted: column((r) => r.predicted),
      lower: column((r) => r.lower),
      upper: column((r) => r.upper),
    },
    replicas: {
      timesSeconds: points.map((p) => p.timeSeconds),
      desired: points.map((p) => p.desiredReplicas),
      current: points.map((p) => p.currentReplicas),
      reactive: points.map((p) => p.reactiveReplicas),
    },
    decisions: decisions.slice(-DECISIONS_SHOWN).reverse(),
  };
}

interface LoadRow {
  observed: number | null;
  predicted: number | null;
  lower: number | null;
  upper: number | null;
}

interface Decision {
  readonly timeSeconds: number;
  readonly from: number | null;
  readonly to: number;
  readonly source: PublishedSource;
  readonly reason: string;
  readonly fallbackActive: boolean;
}

function setForecast(r: LoadRow, f: { point: number; lower: number | null; upper: number | null }): void {
  r.predicted = f.point;
  r.lower = f.lower;
  r.upper = f.upper;
}

function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}
