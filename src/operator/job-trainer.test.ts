import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, type TestContext, test } from 'node:test';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { type TrainingJobConfig, trainingJobSchema } from '../config/training-job.js';
import { PrescaleError, type Series } from '../core/index.js';
import type { FittedForecaster } from '../models/types.js';
import { ModelHolder } from '../predictor/model-holder.js';
import { runTrainingBatch } from '../predictor/training-batch.js';
import { kubeConfigFor, kubectlConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { tempDir } from '../testing/temp-dir.js';
import { JobTrainer, TRAINING_JOBS_FOLDER } from './job-trainer.js';

// Training Jobs against the stand-in API server, through client-node over HTTP. The stand-in runs no Job controller
// and no kubelet: the test plays them, running the Job's `prescale train-job` entry in-process on the request the
// replica wrote (the real fit) and setting the Job's conditions through its status subresource.

const T = 1_700_000_000;
const NAMESPACE = 'prescale';
const REPLICA = 'prescale-0';

let server: KubeApiServer;
let kc: k8s.KubeConfig;
let batchApi: k8s.BatchV1Api;

before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', NAMESPACE] });
  kc = kubeConfigFor(server.url);
  batchApi = kc.makeApiClient(k8s.BatchV1Api);
});

after(() => server.stop());

/** A daily-shaped series: enough history for ETS, with one gap (NaN) to cross the request file. */
function series(length = 2000): Series {
  const values = Float64Array.from({ length }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 60) + (i % 7));
  values[10] = Number.NaN;
  return { startSeconds: T - length * 60, stepSeconds: 60, values };
}

function jobConfig(overrides: Record<string, unknown> = {}): TrainingJobConfig {
  return trainingJobSchema.parse({
    image: 'ghcr.io/prescale/prescale:test',
    resources: { requests: { cpu: '500m', memory: '768Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    ttlAfterFinished: '30m',
    batchWindow: '5s',
    pollInterval: '10s',
    retryBackoff: '30s',
    maxRetryBackoff: '45s',
    maxRetries: 2,
    ...overrides,
  });
}

/** The trainer's log lines, and a way to wait for the n-th of a kind (nothing here waits on real time). */
class LogRecorder {
  readonly lines: { message: string; fields: Record<string, unknown> }[] = [];
  private waiters: { message: string; count: number; resolve: () => void }[] = [];
  readonly log = (_level: string, message: string, fields: Record<string, unknown> = {}) => {
    this.lines.push({ message, fields });
    for (const w of this.waiters.filter((w) => this.count(w.message) >= w.count)) w.resolve();
    this.waiters = this.waiters.filter((w) => this.count(w.message) < w.count);
  };
  count(message: string): number {
    return this.lines.filter((line) => line.message === message).length;
  }
  until(message: string, count: number): Promise<void> {
    if (this.count(message) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ message, count, resolve }));
  }
}

/** A serving replica's pod (the Jobs' owner), a trainer for it on a manual clock, and the models folder. */
async function replica(t: TestContext, name: string, config: TrainingJobConfig) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pod = await core.createNamespacedPod({
    namespace: NAMESPACE,
    body: { metadata: { name }, spec: { containers: [{ name: 'prescale', image: 'prescale' }] } },
  });
  const modelsDir = await tempDir(t);
  const clock = new ManualClock(T * 1000);
  const recorder = new LogRecorder();
  const trainer = await JobTrainer.start({
    kubeConfig: kc,
    namespace: NAMESPACE,
    replica: name,
    owner: { apiVersion: 'v1', kind: 'Pod', name, uid: pod.metadata!.uid! },
    modelsDir,
    config,
    clock,
    log: recorder.log,
  });
  t.after(async () => {
    await trainer.close();
    await core.deleteNamespacedPod({ namespace: NAMESPACE, name }).catch(() => undefined);
  });
  return { pod, modelsDir, clock, recorder, trainer };
}

function holder(trainer: JobTrainer, clock: ManualClock, path: string, model = 'naive') {
  return new ModelHolder({
    model,
    autoCandidates: [],
    modelOptions: { horizonSteps: 5, seasonSeconds: 3600 },
    retrainEverySeconds: 3600,
    retryAfterSeconds: 300,
    path,
    trainer,
    clock,
  });
}

/** client-node's model classes as plain JSON, to compare with literals. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

const jobsOf = async (replicaName: string) =>
  (await batchApi.listNamespacedJob({ namespace: NAMESPACE, labelSelector: `prescale.ml.dev/replica=${replicaName}` }))
    .items;

/** The kubelet's part: runs the Job's container command (`prescale train-job --request FILE`) in-process. */
async function runJobPod(job: k8s.V1Job): Promise<void> {
  const args = job.spec?.template.spec?.containers[0].args ?? [];
  assert.deepEqual(args.slice(0, 2), ['train-job', '--request']);
  await runTrainingBatch(args[2]);
}

/** The Job controller's part: a finished Job's condition, written through the status subresource. */
async function markJob(name: string, type: 'Complete' | 'Failed', reason: string): Promise<void> {
  const job = await batchApi.readNamespacedJob({ name, namespace: NAMESPACE });
  job.status = {
    ...(type === 'Complete' ? { succeeded: 1 } : { failed: 2 }),
    conditions: [{ type, status: 'True', reason, message: `${reason} (set by the test)` }],
  };
  await batchApi.replaceNamespacedJobStatus({ name, namespace: NAMESPACE, body: job });
}

test('a refit creates a Job with the requested spec; run and Complete, the replica serves and saves its model', async (t) => {
  const { pod, modelsDir, clock, recorder, trainer } = await replica(t, REPLICA, jobConfig());
  const modelPath = join(modelsDir, 'shop_web_000000000000.model');
  const h = holder(trainer, clock, modelPath);
  h.maybeRetrain(T, async () => series());
  // The fit waits out the batch window on the clock (the poll loop sleeps too), then its Job is created.
  await clock.whenSleeping(2);
  await clock.advance(5000);
  await recorder.until('training job created', 1);

  const [job] = await jobsOf(REPLICA);
  assert.equal(job.metadata?.name, trainer.liveJobs[0]);
  assert.deepEqual(job.metadata?.labels, {
    'app.kubernetes.io/name': 'prescale',
    'app.kubernetes.io/component': 'training',
    'prescale.ml.dev/replica': REPLICA,
  });
  assert.equal(job.metadata?.annotations?.['prescale.ml.dev/models'], 'naive');
  assert.deepEqual(plain(job.metadata?.ownerReferences), [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      name: REPLICA,
      uid: pod.metadata?.uid,
      controller: true,
      blockOwnerDeletion: false,
    },
  ]);
  assert.equal(job.spec?.ttlSecondsAfterFinished, 1800);
  assert.equal(job.spec?.backoffLimit, 1);
  assert.equal(job.spec?.activeDeadlineSeconds, 7200);
  const podSpec = job.spec?.template.spec;
  assert.equal(podSpec?.restartPolicy, 'Never');
  assert.equal(podSpec?.containers[0].image, 'ghcr.io/prescale/prescale:test');
  assert.deepEqual(plain(podSpec?.containers[0].resources), {
    requests: { cpu: '500m', memory: '768Mi' },
    limits: { cpu: '1', memory: '1Gi' },
  });
  assert.deepEqual(plain(podSpec?.volumes?.[0]), {
    name: 'models',
    persistentVolumeClaim: { claimName: 'prescale-models' },
  });
  assert.deepEqual(plain(podSpec?.containers[0].volumeMounts?.[0]), { name: 'models', mountPath: modelsDir });
  const requestPath = podSpec?.containers[0].args?.[2] ?? '';
  assert.ok(requestPath.startsWith(join(modelsDir, TRAINING_JOBS_FOLDER, REPLICA)), requestPath);

  // Running but not finished: a poll leaves it be, and the workload has no model yet.
  await trainer.checkJobs();
  assert.equal(h.current, null);
  assert.equal(h.status().retraining, true);

  await runJobPod(job);
  await markJob(job.metadata!.name!, 'Complete', 'CompletionsReached');
  // The next poll, on the clock, sees it Complete and hands the model over.
  await clock.advance(10_000);
  await h.whenIdle();
  assert.equal(h.status().current, 'naive');
  assert.equal(h.status().lastRetrainError, null);
  const last = series().values.at(-1)!;
  assert.deepEqual(
    [...((h.current as FittedForecaster | null)?.forecast(series(), 3).point ?? [])],
    [last, last, last],
  );
  assert.ok((await stat(modelPath)).isFile(), 'the model is saved in the store');
  assert.deepEqual(await readdir(join(modelsDir, TRAINING_JOBS_FOLDER, REPLICA)), [], 'the batch folder is removed');
  assert.deepEqual(trainer.liveJobs, []);

  // `kubectl get jobs` reads the stand-in like a cluster.
  const dir = await tempDir(t);
  await writeFile(join(dir, 'kubeconfig'), kubectlConfigFor(server.url));
  const { stdout } = await promisify(execFile)(
    'kubectl',
    ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), 'get', 'jobs', '-n', NAMESPACE],
    { env: { ...process.env, HOME: dir } },
  );
  assert.match(stdout, new RegExp(`^${job.metadata?.name}\\s`, 'm'));

  // Owned by the replica's pod: deleting the pod collects its Jobs.
  await kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedPod({ namespace: NAMESPACE, name: REPLICA });
  assert.deepEqual(await jobsOf(REPLICA), []);
});

test('fits within the batch window share one Job; each workload gets its own model (ETS and naive)', async (t) => {
  const { modelsDir, clock, recorder, trainer } = await replica(t, 'prescale-1', jobConfig());
  const ets = holder(trainer, clock, join(modelsDir, 'shop_a_000000000000.model'), 'ets');
  const naive = holder(trainer, clock, join(modelsDir, 'shop_b_000000000000.model'));
  ets.maybeRetrain(T, async () => series());
  naive.maybeRetrain(T, async () => series());
  await clock.whenSleeping(2);
  await clock.advance(5000);
  await recorder.until('training job created', 1);
  const jobs = await jobsOf('prescale-1');
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0].metadata?.annotations?.['prescale.ml.dev/models'], 'ets,naive');
  await runJobPod(jobs[0]);
  await markJob(jobs[0].metadata!.name!, 'Complete', 'CompletionsReached');
  await trainer.checkJobs();
  await Promise.all([ets.whenIdle(), naive.whenIdle()]);
  assert.equal(ets.status().lastRetrainError, null);
  assert.equal(ets.status().current, 'ets');
  assert.equal(naive.status().current, 'naive');
});

test('a failed Job is retried after the backoff on the clock, a deleted one too, and the retry succeeds', async (t) => {
  const { clock, recorder, trainer } = await replica(t, 'prescale-2', jobConfig({ batchWindow: 0 }));
  const h = holder(trainer, clock, join(await tempDir(t), 'shop_web_000000000000.model'));
  h.maybeRetrain(T, async () => series());
  await recorder.until('training job created', 1);
  const [first] = await jobsOf('prescale-2');
  await markJob(first.metadata!.name!, 'Failed', 'BackoffLimitExceeded');
  await trainer.checkJobs();
  await recorder.until('training job retried', 1);
  assert.match(String(recorder.lines.at(-1)?.fields.why), /BackoffLimitExceeded/);

  // The first retry waits the base backoff (30 s), not a moment less.
  await clock.advance(29_999);
  assert.equal((await jobsOf('prescale-2')).length, 1);
  await clock.advance(1);
  await recorder.until('training job created', 2);
  const second = (await jobsOf('prescale-2')).find((job) => job.metadata?.name !== first.metadata?.name)!;
  assert.match(second.metadata?.name ?? '', /-2$/);

  // Deleted before it finished (kubectl delete job): retried too, the backoff doubled and capped at 45 s.
  await batchApi.deleteNamespacedJob({ name: second.metadata!.name!, namespace: NAMESPACE });
  await trainer.checkJobs();
  await recorder.until('training job retried', 2);
  assert.match(String(recorder.lines.at(-1)?.fields.why), /deleted/);
  assert.equal(recorder.lines.at(-1)?.fields.delaySeconds, 45);
  await clock.advance(44_999);
  assert.equal(recorder.count('training job created'), 2);
  await clock.advance(1);
  await recorder.until('training job created', 3);
  const third = (await jobsOf('prescale-2')).find((job) => /-3$/.test(job.metadata?.name ?? ''))!;

  await runJobPod(third);
  await markJob(third.metadata!.name!, 'Complete', 'CompletionsReached');
  await trainer.checkJobs();
  await h.whenIdle();
  assert.equal(h.status().current, 'naive');
  assert.equal(h.status().lastRetrainError, null);
});

test('past maxRetries the fit fails with a Warning event on the Job, and the last good model keeps serving', async (t) => {
  const config = jobConfig({ batchWindow: 0, maxRetries: 1 });
  const { clock, recorder, trainer } = await replica(t, 'prescale-3', config);
  const h = holder(trainer, clock, join(await tempDir(t), 'shop_web_000000000000.model'));
  // A first model, trained through a Job.
  h.maybeRetrain(T, async () => series());
  await recorder.until('training job created', 1);
  const [good] = await jobsOf('prescale-3');
  await runJobPod(good);
  await markJob(good.metadata!.name!, 'Complete', 'CompletionsReached');
  await trainer.checkJobs();
  await h.whenIdle();
  const served = h.current;
  assert.ok(served !== null);

  // The refit an hour later: its Job and the one retry both fail.
  await clock.advance(3600_000);
  h.maybeRetrain(T + 3600, async () => series());
  await recorder.until('training job created', 2);
  const firstName = trainer.liveJobs[0];
  assert.notEqual(firstName, good.metadata?.name);
  await markJob(firstName, 'Failed', 'DeadlineExceeded');
  await trainer.checkJobs();
  await recorder.until('training job retried', 1);
  await clock.advance(30_000);
  await recorder.until('training job created', 3);
  const retryName = trainer.liveJobs[0];
  await markJob(retryName, 'Failed', 'BackoffLimitExceeded');
  await trainer.checkJobs();
  await h.whenIdle();

  assert.equal(recorder.count('training job created'), 3, 'no Job after maxRetries');
  assert.equal(h.current, served, 'the last good model keeps serving');
  assert.match(h.status().lastRetrainError ?? '', /gave up after 1 retries/);
  const events = await kc.makeApiClient(k8s.EventsV1Api).listNamespacedEvent({ namespace: NAMESPACE });
  const warning = events.items.find((event) => event.reason === 'TrainingFailed');
  assert.equal(warning?.type, 'Warning');
  assert.equal(warning?.regarding?.kind, 'Job');
  assert.equal(warning?.regarding?.name, retryName);
  assert.match(warning?.note ?? '', /BackoffLimitExceeded.*gave up after 1 retries/);
});

test('at start a replica deletes the Jobs and batch folders an earlier run of it left, and no other replica’s', async (t) => {
  const config = jobConfig();
  const left = (name: string, replicaName: string) =>
    batchApi.createNamespacedJob({
      namespace: NAMESPACE,
      body: {
        metadata: { name, labels: { 'prescale.ml.dev/replica': replicaName } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'train', image: 'x' }] } } },
      },
    });
  await left('prescale-train-old-1', 'prescale-4');
  await left('prescale-train-other-1', 'prescale-5');
  const modelsDir = await tempDir(t);
  const leftFolder = join(modelsDir, TRAINING_JOBS_FOLDER, 'prescale-4', 'old');
  await mkdir(leftFolder, { recursive: true });
  await writeFile(join(leftFolder, 'request.json'), '{"requests": []}');
  const trainer = await JobTrainer.start({
    kubeConfig: kc,
    namespace: NAMESPACE,
    replica: 'prescale-4',
    owner: null,
    modelsDir,
    config,
    clock: new ManualClock(T * 1000),
  });
  t.after(() => trainer.close());
  assert.deepEqual(await jobsOf('prescale-4'), []);
  assert.deepEqual(
    (await jobsOf('prescale-5')).map((job) => job.metadata?.name),
    ['prescale-train-other-1'],
  );
  assert.deepEqual(await readdir(join(modelsDir, TRAINING_JOBS_FOLDER)), []);
});

test('a replica that may not manage Jobs fails at start, naming loop.trainer and the Role to bind', async (t) => {
  server.injectFailure({
    path: /\/apis\/batch\/v1\/namespaces\/prescale\/jobs/,
    method: 'DELETE',
    code: 403,
    reason: 'Forbidden',
    message: 'jobs.batch is forbidden: User "system:serviceaccount:prescale:prescale" cannot deletecollection',
  });
  await assert.rejects(
    JobTrainer.start({
      kubeConfig: kc,
      namespace: NAMESPACE,
      replica: 'prescale-6',
      owner: null,
      modelsDir: await tempDir(t),
      config: jobConfig(),
      clock: new ManualClock(T * 1000),
    }),
    (error: unknown) => {
      assert.ok(error instanceof PrescaleError);
      assert.equal(error.field, 'loop.trainer');
      assert.match(error.message, /HTTP 403.*cannot deletecollection.*Role of k8s\/overlays\/training-jobs/);
      return true;
    },
  );
});
