import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodDelayStream, type PodLifecycle, SimDeployment } from './cluster.js';
import { cpuSample, isScrapeTime, podSnapshots, scrapePods } from './metrics-server.js';
import { createRandom } from './random.js';

const exact: PodLifecycle = {
  scheduling: { distribution: 'constant', seconds: 2 },
  containerStart: { distribution: 'constant', seconds: 10 },
  readiness: { distribution: 'constant', seconds: 15 },
  termination: { distribution: 'constant', seconds: 5 },
};

test('a new pod is scheduled, runs, then becomes ready after its delays; billed from scheduling', () => {
  const deployment = new SimDeployment('web', new PodDelayStream(exact, createRandom(1, 'pods')), 1, 1000);
  deployment.scale(2, 1000);
  const pod = deployment.pods[1];
  assert.equal(pod.name, 'web-2');
  assert.deepEqual([pod.scheduledSeconds, pod.runningSeconds, pod.readySeconds], [1002, 1012, 1027]);
  const rows = [
    { t: 1001, billed: false, runs: false, serves: false, status: 2, ready: 1 },
    { t: 1002, billed: true, runs: false, serves: false, status: 2, ready: 1 },
    { t: 1012, billed: true, runs: true, serves: false, status: 2, ready: 1 },
    { t: 1027, billed: true, runs: true, serves: true, status: 2, ready: 2 },
  ];
  for (const row of rows) {
    assert.equal(pod.billedAt(row.t), row.billed, `billed at ${row.t}`);
    assert.equal(pod.runsAt(row.t), row.runs, `runs at ${row.t}`);
    assert.equal(pod.servesAt(row.t), row.serves, `serves at ${row.t}`);
    assert.equal(deployment.statusReplicas(row.t), row.status);
    assert.equal(deployment.readyReplicas(row.t), row.ready);
  }
});

test('scale-down deletes pods in the ReplicaSet order: unscheduled, pending, not ready, newest ready', () => {
  const deployment = new SimDeployment('web', new PodDelayStream(exact, createRandom(1, 'pods')), 2, 1000);
  deployment.scale(3, 1000); // web-3: ready at 1027
  deployment.scale(4, 1020); // web-4: scheduled 1022, running 1032 (pending at 1030)
  deployment.scale(5, 1029); // web-5: scheduled at 1031 (unscheduled at 1030)
  const deletedAt = (replicas: number) => {
    deployment.scale(replicas, 1030);
    return deployment.pods.filter((p) => p.deletedSeconds === 1030).map((p) => p.name);
  };
  assert.deepEqual(deletedAt(4), ['web-5']);
  assert.deepEqual(deletedAt(3), ['web-4', 'web-5']);
  // Of the ready ones, web-3 became ready last (1027), so it goes before the initial pods.
  assert.deepEqual(deletedAt(2), ['web-3', 'web-4', 'web-5']);
  const web3 = deployment.pods.find((p) => p.name === 'web-3')!;
  assert.equal(web3.goneSeconds, 1035, 'a running pod shuts down gracefully');
  const web5 = deployment.pods.find((p) => p.name === 'web-5')!;
  assert.equal(web5.goneSeconds, 1030, 'a pod that never started goes at once');
  assert.equal(deployment.statusReplicas(1030), 2);
  deployment.prune(1035);
  assert.deepEqual(
    deployment.pods.map((p) => p.name),
    ['web-1', 'web-2'],
  );
});

test('metrics-server: a pod has a CPU sample once it has two scrapes, the rate between them, rounded up', () => {
  const deployment = new SimDeployment('web', new PodDelayStream(exact, createRandom(1, 'pods')), 1, 0);
  deployment.scale(2, 0); // web-2 runs from 12
  const [old, fresh] = deployment.pods;
  const config = { resolutionSeconds: 15, offsetSeconds: 7 };
  assert.ok(isScrapeTime(config, 7) && isScrapeTime(config, 22) && !isScrapeTime(config, 15));
  old.cpuCoreSeconds = 100;
  scrapePods(deployment.pods, 7);
  // web-2 is not running at 7: no point; web-1 has one point only: no sample yet.
  assert.equal(cpuSample(old, 7, 15), null);
  assert.ok(Number.isNaN(fresh.lastScrapeSeconds));
  old.cpuCoreSeconds = 100 + 15 * 0.4000001; // 400.0001 millicores over 15 s
  fresh.cpuCoreSeconds = 10 * 0.3; // 300 millicores since it started at 12
  scrapePods(deployment.pods, 22);
  assert.deepEqual(cpuSample(old, 22, 15), { valueMilli: 401, timestampSeconds: 22, windowSeconds: 15 });
  // web-2 started 10 s before the scrape: its start (zero CPU) is the earlier point.
  assert.deepEqual(cpuSample(fresh, 22, 15), { valueMilli: 300, timestampSeconds: 22, windowSeconds: 10 });
  const snapshots = podSnapshots(deployment.pods, 25, { cpuMillicores: 1000, memoryBytes: 2 ** 30 }, 22, 15);
  assert.equal(snapshots[1].phase, 'Running');
  assert.equal(snapshots[1].ready, false);
  assert.equal(snapshots[1].startTimeSeconds, 2);
  assert.equal(snapshots[1].readyTransitionTimeSeconds, 2);
  assert.equal(snapshots[1].requestsMilli.cpu, 1000);
  assert.equal(snapshots[0].ready, true);
});

test('metrics-server: a container that started under 10 s before its first scrape waits for the next', () => {
  const deployment = new SimDeployment('web', new PodDelayStream(exact, createRandom(1, 'pods')), 0, 0);
  deployment.scale(1, 5); // runs from 17
  const pod = deployment.pods[0];
  scrapePods(deployment.pods, 22); // 5 s after start: too early
  assert.equal(cpuSample(pod, 22, 15), null);
  const snapshot = podSnapshots(deployment.pods, 30, { cpuMillicores: 1000, memoryBytes: 0 }, 22, 15)[0];
  assert.deepEqual(snapshot.metrics, {});
  pod.cpuCoreSeconds = 3;
  scrapePods(deployment.pods, 37);
  assert.deepEqual(cpuSample(pod, 37, 15), { valueMilli: 200, timestampSeconds: 37, windowSeconds: 15 });
  // A pod missing from the latest scrape has no sample, whatever it had before.
  assert.equal(cpuSample(pod, 52, 15), null);
});
