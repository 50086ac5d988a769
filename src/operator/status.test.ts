import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictiveAutoscalerStatusSchema } from '../config/predictive-autoscaler-status.js';
import { runningWorkload as workload } from '../testing/workload-status-fixture.js';
import { runtimeStatus } from './status.js';

const NOW = '2026-12-03T09:00:00.000Z';

test('a forecasting workload: replicas, reason, model, forecast peak over the horizon, three conditions', () => {
  const { status, conditions } = runtimeStatus(workload(), [], NOW, 3);
  assert.deepEqual(
    conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['ForecastAvailable', 'True', 'Forecasting'],
      ['FallbackActive', 'False', 'ForecastTrusted'],
      ['ScalingLimited', 'False', 'DesiredWithinRange'],
    ],
  );
  assert.ok(conditions.every((c) => c.observedGeneration === 3 && c.lastTransitionTime === NOW));
  assert.equal(status.desiredReplicas, 6);
  assert.equal(status.lastScaleTime, NOW, 'a new published value sets lastScaleTime');
  const held = runtimeStatus(workload(), conditions, '2026-12-03T09:10:00.000Z', 3, status);
  assert.equal(held.status.lastScaleTime, NOW, 'and it holds while the value does');
  assert.equal(status.currentReplicas, 4);
  assert.deepEqual(status.model, {
    name: 'prophet',
    trainedAt: '2026-11-30T00:53:20.000Z',
    onlineErrorPercent: 12.346,
  });
  assert.equal(status.forecast?.peak, 540, 'the interval’s upper bound at the horizon');
  assert.deepEqual(status.forecast?.values, [400, 420, 440, 450, 470, 490]);
  predictiveAutoscalerStatusSchema.parse({ ...status, conditions });
});

test('fallback and a limit show as conditions; a condition keeps its transition time while it holds', () => {
  const inFallback = workload({
    forecast: null,
    model: { current: null, fittedAtSeconds: null, problem: 'no model trained yet', forecastError: null } as never,
    plan: { decision: { boundBy: 'max-replicas', reason: '10 replicas: maxReplicas caps 14' } } as never,
    fallback: {
      active: true,
      reasons: [{ cause: 'model-missing', message: 'no model trained yet' }],
      sinceSeconds: 0,
      healthySinceSeconds: null,
      summary: 'fallback: no model trained yet',
    },
  });
  const first = runtimeStatus(inFallback, [], NOW, 1);
  assert.deepEqual(
    first.conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['ForecastAvailable', 'False', 'NoForecast'],
      ['FallbackActive', 'True', 'ModelMissing'],
      ['ScalingLimited', 'True', 'MaxReplicas'],
    ],
  );
  assert.equal(first.status.model, undefined);
  const later = runtimeStatus(inFallback, first.conditions, '2026-12-03T09:05:00.000Z', 1);
  assert.ok(
    later.conditions.every((c) => c.lastTransitionTime === NOW),
    'nothing transitioned',
  );
  predictiveAutoscalerStatusSchema.parse({ ...first.status, conditions: first.conditions });
});

test('resource recommendations from the plan go to status.recommendations; an unset limit is left out', () => {
  const running = workload({
    plan: {
      decision: { boundBy: 'forecast', reason: '6 replicas: forecast q0.8 peak 520' },
      resources: { status: { cpuRequest: '450m', cpuLimit: null, memoryRequest: '310Mi', memoryLimit: '400Mi' } },
    } as never,
  });
  const { status, conditions } = runtimeStatus(running, [], NOW, 1);
  assert.deepEqual(status.recommendations, { cpuRequest: '450m', memoryRequest: '310Mi', memoryLimit: '400Mi' });
  predictiveAutoscalerStatusSchema.parse({ ...status, conditions });
  assert.equal(
    runtimeStatus(workload(), [], NOW, 1).status.recommendations,
    undefined,
    'none without a plan of resources',
  );
});

test('a refit late behind the training budget: ForecastAvailable stays True with reason RefitLate and says why', () => {
  const late = workload({
    model: { ...workload().model, queuedForTraining: true, refitLateSeconds: 7260 },
  });
  const { conditions } = runtimeStatus(late, [], NOW, 3);
  const available = conditions.find((c) => c.type === 'ForecastAvailable');
  assert.equal(available?.status, 'True');
  assert.equal(available?.reason, 'RefitLate');
  assert.equal(
    available?.message,
    'forecast by prophet, the last good model: its refit is 121 min past due (queued behind the training budget, loop.trainingConcurrency)',
  );
});
