// 1,000 PredictiveAutoscalers on one replica: reconcile time per resource and the service's memory per workload
// (target: reconcile p99 ≤ 100 ms, ≤ 1 MiB per workload beside its model). `npx tsx bench/operator-reconcile.bench.ts`
// The controller and a real PrescaleService (its loops started, no model trained, no Prometheus read) against the
// stand-in API server in this process, through client-node over HTTP: the API's latency is loopback's and the
// stand-in's, not a real cluster's.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as k8s from '@kubernetes/client-node';
import { safeParseServiceConfig } from '../src/config/service.js';
import { systemClock } from '../src/core/index.js';
import { PredictiveAutoscalerController } from '../src/operator/controller.js';
import { PrescaleService } from '../src/predictor/service.js';
import { inProcessTrainer } from '../src/predictor/trainer.js';
import {
  createTargetDeployment,
  installPredictiveAutoscalerCrd,
} from '../src/testing/kube-apiserver/cluster-fixtures.js';
import { kubeConfigFor } from '../src/testing/kube-apiserver/fixtures.js';
import { startKubeApiServer } from '../src/testing/kube-apiserver/index.js';

const COUNT = Number(process.argv[2] ?? 1000);
const namespace = 'bench';
const server = await startKubeApiServer({ namespaces: ['default', namespace] });
const kc = kubeConfigFor(server.url);
await installPredictiveAutoscalerCrd(kc);
await createTargetDeployment(kc, namespace, 'web');

const modelsDir = await mkdtemp(join(tmpdir(), 'prescale-bench-'));
const parsed = safeParseServiceConfig({
  prometheus: { url: 'http://127.0.0.1:9', retries: 0 },
  api: { listen: '127.0.0.1:0' },
  keda: { listen: '127.0.0.1:0' },
  externalMetrics: { enabled: false },
  models: { dir: modelsDir },
  loop: { trainer: 'in-process' },
});
if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
const service = await PrescaleService.start(parsed.data, { trainer: inProcessTrainer, processMetrics: false });

const durations: number[] = [];
let reconciled = 0;
let resolveAll: () => void = () => undefined;
const allReconciled = new Promise<void>((resolve) => {
  resolveAll = resolve;
});
const controller = new PredictiveAutoscalerController({
  kubeConfig: kc,
  service,
  scalerAddress: 'prescale.prescale:9000',
  namespaces: [namespace],
  clock: systemClock,
  statusPeriodSeconds: 3600,
  onReconciled: (_key, milliseconds, ok) => {
    durations.push(milliseconds);
    if (ok && ++reconciled === COUNT) resolveAll();
  },
});
await controller.start();

global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const started = performance.now();
for (let i = 0; i < COUNT; i++) {
  await custom.createNamespacedCustomObject({
    group: 'autoscaler.ml.dev',
    version: 'v1alpha1',
    plural: 'predictiveautoscalers',
    namespace,
    body: {
      apiVersion: 'autoscaler.ml.dev/v1alpha1',
      kind: 'PredictiveAutoscaler',
      metadata: { name: `w${i}` },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, integration: 'KEDA' },
    },
  });
}
await allReconciled;
await controller.idle();
const seconds = (performance.now() - started) / 1000;
global.gc?.();
const heapAfter = process.memoryUsage().heapUsed;

const sorted = durations.slice(0, COUNT).sort((a, b) => a - b);
const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const perWorkloadKiB = (heapAfter - heapBefore) / COUNT / 1024;
process.stdout.write(
  `${COUNT} PredictiveAutoscalers created and reconciled in ${seconds.toFixed(1)} s\n` +
    `reconcile: p50 ${quantile(0.5).toFixed(1)} ms, p99 ${quantile(0.99).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms\n` +
    `heap per workload (service loops, controller cache, the stand-in's objects): ${perWorkloadKiB.toFixed(0)} KiB` +
    `${global.gc === undefined ? ' (run with --expose-gc for a settled figure)' : ''}\n`,
);
await controller.stop();
await service.stop();
await server.stop();
await rm(modelsDir, { recursive: true, force: true });
