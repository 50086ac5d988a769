import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hpaSpecSchema } from '../../config/hpa-spec.js';
import { parsePredictiveAutoscaler } from '../../config/predictive-autoscaler.js';
import { ownedHpa } from '../../executor/owned-objects.js';
import { constantRateInput } from '../../testing/simulation-fixtures.js';
import { parseSimulationConfig } from '../config.js';
import { type SimulationInput, simulate } from '../simulate.js';
import { summarize } from '../summary.js';
import { integrationHpa } from './live.js';
import { staticPolicy } from './static.js';

// Prescale's process is killed while the load triples: the HPA in front of it loses its External metric. The HPA
// the operator owns also has a CPU metric, so it goes on scaling, reactively; an HPA on the External metric alone
// holds the last size and the pods overload until Prescale is back.

const config = parseSimulationConfig({ load: { noise: 'none' } });
const start = 805_780_800;

const input = (rates: number[]): SimulationInput => constantRateInput(config, rates, 2, start);

const resource = parsePredictiveAutoscaler({
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    metric: { query: 'sum(rate(requests[1m]))' },
    capacity: { perPod: 65 },
    minReplicas: 2,
    maxReplicas: 50,
  },
});
const owned = hpaSpecSchema.parse(
  (ownedHpa({ name: 'web', namespace: 'default', uid: 'u' }, resource) as { spec: unknown }).spec,
);
const externalOnly = { ...owned, metrics: owned.metrics.filter((metric) => metric.type === 'External') };

test('Prescale killed for an hour while the load triples: the owned HPA scales on CPU, External-only holds', async () => {
  // 2 pods' worth for 10 minutes, then three times that for 60; Prescale is down from minute 5 to 65 and had
  // published the 2 pods it planned for before the rise.
  const rates = [...new Array(600).fill(120), ...new Array(3600).fill(360)];
  const outage = { fromSeconds: start + 300, toSeconds: start + 3900 };
  const prescale = staticPolicy({ replicas: 2, syncPeriodSeconds: 15 });
  const run = async (spec: typeof owned) =>
    summarize(await simulate(integrationHpa(prescale, spec, undefined, outage), input(rates)), config.slo);
  const withCpu = await simulate(integrationHpa(prescale, owned, undefined, outage), input(rates));
  const held = await run(externalOnly);
  const scaled = summarize(withCpu, config.slo);
  assert.ok(
    withCpu.specReplicas.slice(15, 65).some((replicas) => replicas >= 5),
    'the owned HPA grew with the load during the outage',
  );
  assert.ok(held.sloViolationMinutes >= 50, `External-only overloads for the outage (${held.sloViolationMinutes})`);
  assert.ok(scaled.sloViolationMinutes <= 5, `with CPU only the step's minutes break (${scaled.sloViolationMinutes})`);
});
