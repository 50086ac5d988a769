import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { hpaSpecSchema } from '../config/hpa-spec.js';
import { parsePredictiveAutoscaler } from '../config/predictive-autoscaler.js';
import { EMPTY_CONTROLLER_STATE, reconcileHpa } from '../hpa/index.js';
import { observation, podsUsing } from '../testing/hpa-fixtures.js';
import { DESIRED_REPLICAS_METRIC } from './external-metrics.js';
import { ownedHpa, ownedObject, ownedScaledObject } from './owned-objects.js';

const owner = { name: 'web', namespace: 'shop', uid: '5f0c6a0e-2d57-4a39-9d1e-000000000001' };

function resource(spec: Record<string, unknown> = {}) {
  return parsePredictiveAutoscaler({
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      metric: { query: 'sum(rate(http_requests_total{job="web"}[1m]))' },
      capacity: { perPod: 50 },
      minReplicas: 2,
      maxReplicas: 30,
      ...spec,
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are read field by field
type Manifest = any;

test('integration HPA owns an autoscaling/v2 HPA on the published replicas and on CPU, controlled by its owner', () => {
  const hpa: Manifest = ownedHpa(owner, resource());
  new HorizontalPodAutoscaler(hpa).validate();
  assert.deepEqual(hpa.metadata.ownerReferences, [
    {
      apiVersion: 'autoscaler.ml.dev/v1alpha1',
      kind: 'PredictiveAutoscaler',
      name: 'web',
      uid: owner.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
  assert.deepEqual(
    hpa.spec.metrics.map((m: Manifest) => m.type),
    ['External', 'Resource'],
  );
  assert.equal(hpa.spec.metrics[0].external.metric.name, DESIRED_REPLICAS_METRIC);
  assert.deepEqual(hpa.spec.metrics[0].external.metric.selector, { matchLabels: { workload: 'web' } });
  assert.equal(hpa.spec.metrics[1].resource.target.averageUtilization, 70);
  assert.equal(hpa.metadata.labels['app.kubernetes.io/managed-by'], 'prescale');
});

test('the owned HPA follows Prescale, and goes on scaling on CPU when Prescale is down (the HPA emulation)', () => {
  const spec = hpaSpecSchema.parse((ownedHpa(owner, resource()) as Manifest).spec);
  // Prescale publishes 7 while CPU sits at the target: the HPA lands on 7.
  const atTarget = observation(spec, 4, podsUsing([700, 700, 700, 700]), {
    externalMetrics: { [DESIRED_REPLICAS_METRIC]: 7000 },
  });
  assert.equal(reconcileHpa(atTarget, EMPTY_CONTROLLER_STATE, 10_000).desiredReplicas, 7);
  // Prescale is gone (no External metric) and the load doubles: CPU alone scales the target up.
  const prescaleDown = observation(spec, 4, podsUsing([1400, 1400, 1400, 1400]));
  const result = reconcileHpa(prescaleDown, EMPTY_CONTROLLER_STATE, 10_000);
  assert.equal(result.desiredReplicas, 8, 'ceil(4 × 140 / 70)');
  assert.ok(
    result.metricProposals.some((p) => !p.valid),
    'the External metric is reported invalid',
  );
});

test('integration KEDA owns a ScaledObject with the external trigger, a fallback and a CPU trigger', () => {
  const scaledObject: Manifest = ownedScaledObject(owner, resource({ integration: 'KEDA' }), 'prescale.prescale:9000');
  new ScaledObject(scaledObject).validate();
  assert.equal(scaledObject.metadata.ownerReferences[0].uid, owner.uid);
  assert.deepEqual(
    scaledObject.spec.triggers.map((t: Manifest) => t.type),
    ['external', 'cpu'],
  );
  assert.deepEqual(scaledObject.spec.triggers[0].metadata, {
    scalerAddress: 'prescale.prescale:9000',
    workload: 'web',
  });
  assert.deepEqual(scaledObject.spec.fallback, { failureThreshold: 3, replicas: 2 });
  assert.equal(scaledObject.spec.minReplicaCount, 2);
  assert.equal(scaledObject.spec.maxReplicaCount, 30);
});

test('integration Direct owns nothing; the object follows the integration', () => {
  assert.equal(ownedObject(owner, resource({ integration: 'Direct' }), 'x:9000'), null);
  assert.equal((ownedObject(owner, resource(), 'x:9000') as Manifest).kind, 'HorizontalPodAutoscaler');
  assert.equal((ownedObject(owner, resource({ integration: 'KEDA' }), 'x:9000') as Manifest).kind, 'ScaledObject');
});
