import type { FitEvent } from './model-holder.js';
import type { WorkloadStatus } from './workload-status.js';

/**
 * The log lines a sync leaves: what changed between the status before it and after it. One line per event that
 * matters — fallback entered, recovering (or interrupted), left, or its causes changed; a Prometheus read failing (the first failure,
 * then a count every few minutes, then the recovery); a refit turning late; the published replicas changing — never
 * one line per sync.
 * Pure: the previous status and the memory of a failing read come in, the lines and the new memory go out.
 * Fits are logged as they finish, in the background (`fitEvents`).
 */

/** One structured log line (pino's shape: fields, then the message). */
export interface LogEvent {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A Prometheus read that keeps failing: counted, and summarised every `PROMETHEUS_ERROR_REPORT_SECONDS`. */
export interface ReadFailureMemory {
  readonly sinceSeconds: number;
  readonly failures: number;
  readonly failuresSinceReport: number;
  readonly reportedAtSeconds: number;
}

/** A failing Prometheus read is logged when it starts, then summarised this often until it recovers. */
export const PROMETHEUS_ERROR_REPORT_SECONDS = 300;

/** The log lines of one sync, from the status `before` it to the status `after` it. */
export function syncEvents(
  before: WorkloadStatus,
  after: WorkloadStatus,
  failing: ReadFailureMemory | null,
): { events: LogEvent[]; failing: ReadFailureMemory | null } {
  const nowSeconds = after.lastSyncSeconds ?? 0;
  const workload = { workload: after.name, namespace: after.namespace };
  const events: LogEvent[] = [];
  const read = readEvents(after.data.prometheusError, failing, nowSeconds);
  for (const event of read.events) events.push({ ...event, fields: { ...workload, ...event.fields } });
  for (const event of fallbackEvents(before, after, nowSeconds)) {
    events.push({ ...event, fields: { ...workload, ...event.fields } });
  }
  const late = after.model.refitLateSeconds;
  // Once per late refit: the status and prescale_model_refit_late say it for as long as it lasts.
  if (before.model.refitLateSeconds === null && late !== null) {
    events.push({
      level: 'warn',
      message: 'model refit late; serving the last good model',
      fields: {
        ...workload,
        serving: after.model.current,
        fittedAtSeconds: after.model.fittedAtSeconds,
        lateSeconds: Math.round(late),
        waiting: after.model.queuedForTraining ? 'queued for a training slot' : 'fitting',
      },
    });
  }
  if (before.published.replicas !== after.published.replicas) {
    events.push({
      level: 'info',
      message: 'replicas changed',
      fields: {
        ...workload,
        from: before.published.replicas,
        to: after.published.replicas,
        source: after.published.source,
        reason: after.published.reason,
      },
    });
  }
  return { events, failing: read.failing };
}

function readEvents(
  error: string | null,
  failing: ReadFailureMemory | null,
  nowSeconds: number,
): { events: LogEvent[]; failing: ReadFailureMemory | null } {
  if (error === null) {
    if (failing === null) return { events: [], failing: null };
    return {
      events: [
        {
          level: 'info',
          message: 'prometheus read recovered',
          fields: { failures: failing.failures, failedForSeconds: nowSeconds - failing.sinceSeconds },
        },
      ],
      failing: null,
    };
  }
  if (failing === null) {
    return {
      events: [{ level: 'warn', message: 'prometheus read failed', fields: { error } }],
      failing: { sinceSeconds: nowSeconds, failures: 1, failuresSinceReport: 0, reportedAtSeconds: nowSeconds },
    };
  }
  const counted = { ...failing, failures: failing.failures + 1, failuresSinceReport: failing.failuresSinceReport + 1 };
  if (nowSeconds - failing.reportedAtSeconds < PROMETHEUS_ERROR_REPORT_SECONDS) return { events: [], failing: counted };
  return {
    events: [
      {
        level: 'warn',
        message: 'prometheus read still failing',
        fields: {
          error,
          failuresSinceLastReport: counted.failuresSinceReport,
          failures: counted.failures,
          failingForSeconds: nowSeconds - failing.sinceSeconds,
        },
      },
    ],
    failing: { ...counted, failuresSinceReport: 0, reportedAtSeconds: nowSeconds },
  };
}

function fallbackEvents(before: WorkloadStatus, after: WorkloadStatus, nowSeconds: number): LogEvent[] {
  const was = before.fallback;
  const is = after.fallback;
  const causes = is.reasons.map((reason) => reason.cause);
  const published = { replicas: after.published.replicas, source: after.published.source };
  if (!was.active && is.active) {
    return [
      {
        level: 'warn',
        message: 'fallback entered',
        fields: { causes, reasons: is.reasons.map((reason) => reason.message), ...published },
      },
    ];
  }
  if (was.active && !is.active) {
    return [
      {
        level: 'info',
        message: 'fallback left',
        fields: {
          after: was.reasons.map((reason) => reason.cause),
          inFallbackSeconds: was.sinceSeconds === null ? null : nowSeconds - was.sinceSeconds,
          ...published,
        },
      },
    ];
  }
  if (!is.active) return [];
  const previous = was.reasons.map((reason) => reason.cause);
  const added = causes.filter((cause) => !previous.includes(cause));
  const removed = previous.filter((cause) => !causes.includes(cause));
  if (added.length + removed.length > 0) {
    return [
      {
        level: 'warn',
        message: 'fallback causes changed',
        fields: { causes, added, removed, reasons: is.reasons.map((reason) => reason.message), ...published },
      },
    ];
  }
  if (was.healthySinceSeconds === null && is.healthySinceSeconds !== null) {
    return [{ level: 'info', message: 'fallback recovering', fields: { after: causes, ...published } }];
  }
  if (was.healthySinceSeconds !== null && is.healthySinceSeconds === null) {
    return [{ level: 'warn', message: 'fallback recovery interrupted', fields: { causes, ...published } }];
  }
  return [];
}

/**
 * The log lines of a finished fit: its kind (`selection`, `winner-refit` of `auto`, or `fit`) and why, the model, the
 * model serving now (`auto`'s choice) and before, the fit's duration, and with `auto` its stage (warm-up or full) and backtest (every candidate's RMSE and the reason of the choice); a fixed model has no backtest,
 * it is judged online. A failed fit says which model keeps serving.
 */
export function fitEvents(event: FitEvent, workload: { workload: string; namespace: string }): LogEvent[] {
  if (!event.ok) {
    return [
      {
        level: 'warn',
        message: 'fit failed; keeping the last good model',
        fields: {
          ...workload,
          model: event.model,
          fit: event.kind,
          why: event.why,
          serving: event.serving,
          seconds: event.seconds,
          error: event.error,
        },
      },
    ];
  }
  const selection = event.selection;
  const backtest =
    selection === null
      ? {}
      : {
          stage: selection.stage,
          rmse: selection.candidates.find((candidate) => candidate.model === selection.chosen)?.rmse ?? null,
          candidates: selection.candidates.map(({ model, rmse, skipped }) => ({ model, rmse, skipped })),
          reason: selection.reason,
          ...(selection.refitNote === undefined ? {} : { refitNote: selection.refitNote }),
        };
  const events: LogEvent[] = [
    {
      level: 'info',
      message: 'model refreshed',
      fields: {
        ...workload,
        model: event.model,
        fit: event.kind,
        why: event.why,
        chosen: event.chosen,
        previous: event.previous,
        seconds: event.seconds,
        ...backtest,
      },
    },
  ];
  if (event.saveError !== null) {
    events.push({ level: 'warn', message: 'model not saved', fields: { ...workload, error: event.saveError } });
  }
  return events;
}

/**
 * The dotted paths of the leaves that differ between two versions of a workload (`queries.latency`,
 * `resource.policy.maxReplicas`), for the log line of a configuration change; arrays compare whole.
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isRecord(before) || !isRecord(after)) {
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [prefix];
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.flatMap((key) => changedPaths(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`));
}
