import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../testing/temp-dir.js';
import {
  fleetFitCostsFromReport,
  MODELS_COST_COMMAND,
  MODELS_COST_PATH,
  readFleetFitCosts,
} from './fleet-fit-costs.js';

/** A cost report as bench/models-cost.bench.ts writes it, with the fields the simulation reads. */
const report = {
  measuredAt: '2026-12-03T16:20:07.112Z',
  traces: [
    {
      dataset: 'nasa-jul95',
      stepSeconds: 60,
      models: [
        { model: 'auto', fitCpuSeconds: 0.26, cheapRefitCpuSeconds: 0.05, refitsPerFullFit: 7 },
        { model: 'ets', fitCpuSeconds: 0.16, cheapRefitCpuSeconds: null, refitsPerFullFit: 1 },
        { model: 'lstm', fitCpuSeconds: 51.4, cheapRefitCpuSeconds: 4.9, refitsPerFullFit: null },
      ],
    },
    {
      dataset: 'nab-elb-requests',
      stepSeconds: 300,
      models: [{ model: 'gru', fitCpuSeconds: 13.9, cheapRefitCpuSeconds: 1.2, refitsPerFullFit: null }],
    },
  ],
};

test('a neural refit is charged its warm refit, auto its winner refit with the full fit as its selection', () => {
  const costs = fleetFitCostsFromReport(report, ['auto', 'ets', 'lstm']);
  assert.deepEqual(
    Object.values(costs).map(({ source: _, ...cost }) => cost),
    [
      { model: 'auto', firstFitCpuSeconds: 0.26, refitCpuSeconds: 0.05, selectionCpuSeconds: 0.26 },
      { model: 'ets', firstFitCpuSeconds: 0.16, refitCpuSeconds: 0.16, selectionCpuSeconds: null },
      { model: 'lstm', firstFitCpuSeconds: 51.4, refitCpuSeconds: 4.9, selectionCpuSeconds: null },
    ],
  );
  assert.equal(costs.lstm.source, 'docs/models-cost.json (nasa-jul95, 60 s step, measured 2026-12-03T16:20:07.112Z)');
});

test('models missing from the report are an error naming each of them and the command that measures them', () => {
  assert.throws(
    () => fleetFitCostsFromReport(report, ['lstm', 'gru', 'prophet-lstm']),
    (error: Error) =>
      error.message ===
      `docs/models-cost.json has no cost of gru, prophet-lstm on nasa-jul95; measure them with \`${MODELS_COST_COMMAND}\``,
  );
  assert.throws(
    () => fleetFitCostsFromReport(report, ['gru']),
    (error: Error) =>
      error.message.includes(
        'no cost of gru on nasa-jul95; measure it with `npx tsx bench/models-cost.bench.ts --write-docs`',
      ),
  );
});

test('a malformed report names the field; a missing file names the command that writes it', async (t) => {
  const broken = { ...report, traces: [{ ...report.traces[0], models: [{ model: 'lstm', fitCpuSeconds: 'slow' }] }] };
  assert.throws(
    () => fleetFitCostsFromReport(broken, ['lstm']),
    (error: Error) =>
      error.message.startsWith('docs/models-cost.json: traces[0].models[0].fitCpuSeconds: expected a number') &&
      error.message.includes(MODELS_COST_COMMAND),
  );
  const dir = await tempDir(t);
  await assert.rejects(readFleetFitCosts(['lstm'], join(dir, 'models-cost.json')), (error: Error) =>
    error.message.includes(`write it with \`${MODELS_COST_COMMAND}\``),
  );
});

test("the repository's docs/models-cost.json prices every model the fleet simulation uses", async () => {
  const json = JSON.parse(await readFile(MODELS_COST_PATH, 'utf8'));
  const costs = await readFleetFitCosts(['auto', 'ets', 'mstl', 'prophet', 'lstm', 'gru', 'prophet-lstm']);
  const nasa = json.traces.find((trace: { dataset: string }) => trace.dataset === 'nasa-jul95');
  const lstm = nasa.models.find((m: { model: string }) => m.model === 'lstm');
  assert.equal(costs.lstm.firstFitCpuSeconds, lstm.fitCpuSeconds);
  assert.equal(costs.lstm.refitCpuSeconds, lstm.cheapRefitCpuSeconds);
});
