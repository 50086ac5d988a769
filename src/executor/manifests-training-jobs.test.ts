// The training-jobs overlay against the code: the config the replicas mount runs fits as Jobs from the image the
// StatefulSet runs, on the claim the overlay creates, and the Role lets the replica do what JobTrainer does with
// Jobs, in its own namespace only. The StatefulSet checks shared by every install: manifests-statefulset.test.ts.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { findObject, type KubeObject, renderAll } from '../testing/kustomize.js';

let objects: KubeObject[];

before(async () => {
  objects = (await renderAll()).get('k8s/overlays/training-jobs') ?? [];
});

test('the mounted config trains in Jobs from the image the replicas run, on the claim the overlay creates', () => {
  const statefulSet = findObject(objects, 'StatefulSet', 'prescale');
  const configMap = findObject(objects, 'ConfigMap');
  const config = parseServiceConfigYaml(configMap.data['prescale.yaml'], 'training-jobs prescale.yaml');
  assert.equal(config.loop.trainer, 'job');
  assert.equal(config.training.job.image, statefulSet.spec.template.spec.containers[0].image);
  const claim = findObject(objects, 'PersistentVolumeClaim', config.training.job.modelsClaim);
  assert.equal(claim.metadata.namespace, statefulSet.metadata.namespace, 'a pod mounts claims of its own namespace');
});

test('the Role grants what JobTrainer does with Jobs, in its own namespace, to the pod’s account', () => {
  const role = findObject(objects, 'Role', 'prescale:training-jobs');
  assert.equal(role.metadata.namespace, 'prescale');
  assert.deepEqual(role.rules, [
    {
      apiGroups: ['batch'],
      resources: ['jobs'],
      verbs: ['get', 'list', 'watch', 'create', 'delete', 'deletecollection'],
    },
  ]);
  const binding = findObject(objects, 'RoleBinding', 'prescale:training-jobs');
  const account = findObject(objects, 'StatefulSet', 'prescale').spec.template.spec.serviceAccountName;
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: account, namespace: 'prescale' }]);
  // No cluster-wide Job rights: the Jobs live beside the claim.
  const clusterRules = objects.filter((o) => o.kind === 'ClusterRole').flatMap((o) => o.rules ?? []);
  assert.ok(!clusterRules.some((rule: KubeObject) => rule.apiGroups?.includes('batch')));
});
