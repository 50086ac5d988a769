import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FallbackReason } from '../planner/index.js';
import { runningWorkload } from '../testing/workload-status-fixture.js';
import {
  changedPaths,
  fitEvents,
  PROMETHEUS_ERROR_REPORT_SECONDS,
  type ReadFailureMemory,
  syncEvents,
} from './workload-events.js';
import type { WorkloadStatus } from './workload-status.js';

// The events the story test does not reach, row by row; the story itself is src/predictor/service-logs.test.ts.

const down: FallbackReason = { cause: 'prometheus-unreachable', message: 'Prometheus read failed: down' };

/** A status at `nowSeconds` with a fallback state and a read error. */
function at(
  nowSeconds: number,
  fallback: { active: boolean; healthySinceSeconds?: number | null; reasons?: FallbackReason[] },
  prometheusError: string | null = null,
): WorkloadStatus {
  return runningWorkload({
    lastSyncSeconds: nowSeconds,
    data: { prometheusError } as WorkloadStatus['data'],
    fallback: {
      active: fallback.active,
      reasons: fallback.reasons ?? (fallback.active ? [down] : []),
      sinceSeconds: fallback.active ? 0 : null,
      healthySinceSeconds: fallback.healthySinceSeconds ?? null,
      summary: '',
    },
  });
}

const messages = (before: WorkloadStatus, after: WorkloadStatus) =>
  syncEvents(before, after, null).events.map((event) => [event.level, event.message]);

test('fallback: recovering, then interrupted by the same cause; no line while nothing changes', () => {
  const rows: { name: string; before: WorkloadStatus; after: WorkloadStatus; want: string[][] }[] = [
    {
      name: 'healthy evidence starts the recovery',
      before: at(0, { active: true }),
      after: at(30, { active: true, healthySinceSeconds: 30 }),
      want: [['info', 'fallback recovering']],
    },
    {
      name: 'the cause comes back during recovery',
      before: at(30, { active: true, healthySinceSeconds: 30 }),
      after: at(60, { active: true }),
      want: [['warn', 'fallback recovery interrupted']],
    },
    {
      name: 'still in fallback for the same cause',
      before: at(0, { active: true }),
      after: at(30, { active: true }),
      want: [],
    },
    { name: 'still trusted', before: at(0, { active: false }), after: at(30, { active: false }), want: [] },
  ];
  for (const row of rows) assert.deepEqual(messages(row.before, row.after), row.want, row.name);
});

test('a failing read: the first failure, then one count per report period, then the recovery', () => {
  let failing: ReadFailureMemory | null = null;
  const lines: [number, string, Record<string, unknown>][] = [];
  const period = PROMETHEUS_ERROR_REPORT_SECONDS;
  for (let now = 0; now <= 2 * period + 60; now += 60) {
    const error = now <= 2 * period ? 'connect ECONNREFUSED' : null;
    const result = syncEvents(at(now - 60, { active: false }), at(now, { active: false }, error), failing);
    failing = result.failing;
    for (const e of result.events) {
      const { workload: _w, namespace: _n, error: _e, ...counts } = e.fields;
      lines.push([now, e.message, counts]);
    }
  }
  assert.deepEqual(lines, [
    [0, 'prometheus read failed', {}],
    [period, 'prometheus read still failing', { failuresSinceLastReport: 5, failures: 6, failingForSeconds: period }],
    [
      2 * period,
      'prometheus read still failing',
      { failuresSinceLastReport: 5, failures: 11, failingForSeconds: 2 * period },
    ],
    [2 * period + 60, 'prometheus read recovered', { failures: 11, failedForSeconds: 2 * period + 60 }],
  ]);
});

test('fits: auto logs the kind of fit, its choice and backtest; a failure says which model keeps serving; a failed save is a warning', () => {
  const labels = { workload: 'web', namespace: 'shop' };
  const auto = fitEvents(
    {
      ok: true,
      model: 'auto',
      kind: 'winner-refit',
      why: 'refit of ets; last selection 1.0 d ago, the next in 6.0 d or on drift',
      chosen: 'ets',
      previous: 'naive',
      seconds: 4.5,
      saveError: 'EACCES',
      selection: {
        stage: 'full',
        historySeconds: 3 * 86_400,
        nextStageHistorySeconds: null,
        chosen: 'ets',
        reason: 'ets: lowest RMSE',
        validationStartSeconds: 0,
        validationEndSeconds: 86_400,
        candidates: [
          { model: 'naive', rmse: 12 },
          { model: 'ets', rmse: 9.5 },
          { model: 'prophet', skipped: 'needs 2 days' },
        ],
        refitNote: 'refit of ets on 96.0 h; last selection at 1970-01-02T00:00:00Z',
      },
    },
    labels,
  );
  assert.deepEqual(auto, [
    {
      level: 'info',
      message: 'model refreshed',
      fields: {
        ...labels,
        model: 'auto',
        fit: 'winner-refit',
        why: 'refit of ets; last selection 1.0 d ago, the next in 6.0 d or on drift',
        chosen: 'ets',
        previous: 'naive',
        seconds: 4.5,
        stage: 'full',
        rmse: 9.5,
        candidates: [
          { model: 'naive', rmse: 12, skipped: undefined },
          { model: 'ets', rmse: 9.5, skipped: undefined },
          { model: 'prophet', rmse: undefined, skipped: 'needs 2 days' },
        ],
        reason: 'ets: lowest RMSE',
        refitNote: 'refit of ets on 96.0 h; last selection at 1970-01-02T00:00:00Z',
      },
    },
    { level: 'warn', message: 'model not saved', fields: { ...labels, error: 'EACCES' } },
  ]);
  const failed = {
    ok: false,
    model: 'ets',
    kind: 'fit',
    why: 'refit schedule',
    serving: 'ets',
    error: 'no data',
  } as const;
  assert.deepEqual(fitEvents({ ...failed, seconds: 1 }, labels), [
    {
      level: 'warn',
      message: 'fit failed; keeping the last good model',
      fields: {
        ...labels,
        model: 'ets',
        fit: 'fit',
        why: 'refit schedule',
        serving: 'ets',
        seconds: 1,
        error: 'no data',
      },
    },
  ]);
});

test('changedPaths: the dotted paths of the leaves that differ; arrays compare whole', () => {
  const before = { resource: { policy: { maxReplicas: 10, minReplicas: 1 }, tags: ['a'] }, queries: { cpu: null } };
  const after = { resource: { policy: { maxReplicas: 12, minReplicas: 1 }, tags: ['a', 'b'] }, queries: { cpu: 'x' } };
  assert.deepEqual(changedPaths(before, after), ['resource.policy.maxReplicas', 'resource.tags', 'queries.cpu']);
  assert.deepEqual(changedPaths(before, structuredClone(before)), []);
});

test('a refit turning late is logged once, with the model still serving; the status and metric say it meanwhile', () => {
  const model = (refitLateSeconds: number | null) =>
    ({ ...runningWorkload().model, queuedForTraining: true, refitLateSeconds }) as WorkloadStatus['model'];
  const data = { prometheusError: null } as WorkloadStatus['data'];
  const onTime = runningWorkload({ lastSyncSeconds: 0, data, model: model(null) });
  const late = runningWorkload({ lastSyncSeconds: 30, data, model: model(930) });
  const later = runningWorkload({ lastSyncSeconds: 60, data, model: model(960) });
  assert.deepEqual(syncEvents(onTime, late, null).events, [
    {
      level: 'warn',
      message: 'model refit late; serving the last good model',
      fields: {
        workload: 'web',
        namespace: 'shop',
        serving: 'prophet',
        fittedAtSeconds: 1_796_000_000,
        lateSeconds: 930,
        waiting: 'queued for a training slot',
      },
    },
  ]);
  assert.deepEqual(messages(late, later), []);
  assert.deepEqual(messages(later, onTime), []);
});
