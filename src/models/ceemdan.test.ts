import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Series } from '../core/index.js';
import { assertPrescaleError, testCorrectedModel } from '../testing/corrected-model-cases.js';
import { head, nasaRequests } from '../testing/model-fixtures.js';
import { runBacktest } from './backtest.js';
import { ceemdanDenoiseModel, ceemdanEtsModel } from './ceemdan.js';
import { modelDefinition } from './registry.js';

testCorrectedModel(ceemdanEtsModel);
testCorrectedModel(ceemdanDenoiseModel);

const DAY = 86_400;
const H = 30;
/** A small ensemble keeps the tests quick; the decomposition is the same algorithm at any size. */
const settings = { ensembleSize: 8 };

for (const definition of [ceemdanEtsModel, ceemdanDenoiseModel]) {
  const name = definition.name;

  test(`${name}: no look-ahead — forecasts up to an origin do not change when the data after it change`, async () => {
    const series = await nasaRequests(5);
    const changeSeconds = series.startSeconds + 4 * DAY + 6 * 3600; // 6 h after the second daily refit
    const changeIndex = (changeSeconds - series.startSeconds) / 60;
    const future: Series = {
      ...series,
      values: series.values.map((v, i) => (i >= changeIndex ? 3 * v + 100 * Math.sin(i) : v)),
    };
    const plan = {
      stepSeconds: 60,
      trainStartSeconds: series.startSeconds,
      trainEndSeconds: series.startSeconds + 3 * DAY,
      testEndSeconds: series.startSeconds + 5 * DAY,
      horizonSteps: H,
      originEverySteps: 60,
      refitEverySeconds: DAY,
    };
    const forecaster = definition.create({ horizonSteps: H, settings });
    const original = await runBacktest(series, forecaster, plan);
    const changed = await runBacktest(future, forecaster, plan);
    assert.equal(original.fitMilliseconds.length, 2, 'refitted once, a day into the test');
    let compared = 0;
    let moved = 0;
    original.originsSeconds.forEach((origin, i) => {
      const before = original.point.subarray(i * H, (i + 1) * H);
      const after = changed.point.subarray(i * H, (i + 1) * H);
      if (origin <= changeSeconds) {
        assert.deepEqual(after, before, `origin ${origin} (${(changeSeconds - origin) / 60} min before the change)`);
        compared++;
      } else if (after.some((v, h) => v !== before[h])) moved++;
    });
    assert.ok(compared >= 30, `${compared} origins before the change, across both fits`);
    assert.ok(moved > 0, 'origins after the change see it');
  });

  test(`${name}: settings are validated at create, every problem named with its field`, () => {
    assertPrescaleError(
      () => definition.create({ settings: { ensembleSize: 0, stopping: { kind: 'sd' }, bogus: 1 } as never }),
      'invalid-input',
      'settings.ensembleSize',
      /settings\.ensembleSize: .*\n.*settings\.stopping\.kind: .*\n.*settings\.bogus: unknown field/s,
    );
  });
}

test('ceemdan-ets: its settings, defaults filled, are recorded in the metadata; the registry knows both models', async () => {
  const fitted = await ceemdanEtsModel
    .create({ horizonSteps: H, settings: { ...settings, stopping: { kind: 's-number', s: 3 } } })
    .fit(head(await nasaRequests(3), 3 * 1440));
  const recorded = fitted.metadata.settings;
  assert.equal(recorded.ensembleSize, 8);
  assert.deepEqual(recorded.stopping, { kind: 's-number', s: 3 });
  assert.equal(recorded.noiseStd, 0.2);
  assert.equal(recorded.highFrequencyPeriodSeconds, 3 * 3600);
  assert.equal(recorded.slowModel, 'mstl');
  assert.equal(recorded.coarseStepSeconds, 900);
  assert.equal(modelDefinition('ceemdan-ets'), ceemdanEtsModel);
  assert.equal(modelDefinition('ceemdan-denoise'), ceemdanDenoiseModel);
});

test('ceemdan-denoise: dropping the first mode smooths the base path, and the seed fixes it', async () => {
  const train = head(await nasaRequests(3), 3 * 1440);
  const path = async (options: object) =>
    (await ceemdanDenoiseModel.create({ horizonSteps: H, settings: { ...settings, ...options } }).fit(train)).toJSON()
      .parameters as { path: { values: number[] } };
  const roughness = (values: number[]) => values.slice(1).reduce((sum, v, i) => sum + Math.abs(v - values[i]), 0);
  const one = await path({ droppedModes: 1 });
  const three = await path({ droppedModes: 3 });
  assert.ok(roughness(three.path.values) < roughness(one.path.values), 'more modes dropped, a smoother path');
  assert.deepEqual(await path({ droppedModes: 1 }), one);
});
