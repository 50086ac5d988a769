import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadAugurs } from './augurs-wasm.js';

test('loadAugurs initializes a module once and returns it ready to call', () => {
  const seasons = loadAugurs('seasons');
  assert.equal(loadAugurs('seasons'), seasons);
  const y = Array.from({ length: 2400 }, (_, i) => Math.sin((2 * Math.PI * i) / 24));
  assert.deepEqual(Array.from(seasons.seasonalities(y)), [24]);
});

test('loadAugurs initializes every module the models use', () => {
  for (const name of ['changepoint', 'ets', 'mstl', 'outlier', 'prophet', 'transforms'] as const) {
    const module = loadAugurs(name);
    assert.equal(typeof module.initSync, 'function', name);
  }
  const ets = loadAugurs('ets');
  const model = new ets.AutoETS(4, 'ZZN');
  model.fit(Float64Array.from({ length: 40 }, (_, i) => 10 + (i % 4)));
  const forecast = model.predict(4, 0.8);
  assert.equal(forecast.point.length, 4);
  assert.ok(forecast.point.every(Number.isFinite));
});
