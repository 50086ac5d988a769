import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { LeaderElector } from './leader-election.js';

// Two replicas campaign for one Lease on the stand-in API server, on one injected clock: one leads; when the
// leader is killed (it stops renewing, the Lease still names it), the other takes over once the Lease has expired.

let server: KubeApiServer;
before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', 'prescale'] });
});
after(() => server.stop());

test('two candidates: one leader; the leader killed, the other leads within the lease duration plus one retry', async (t) => {
  const kc = kubeConfigFor(server.url);
  const clock = new ManualClock(Date.parse('2026-12-03T10:00:00Z'));
  const leading = new Map<string, boolean>();
  const candidate = (identity: string) =>
    new LeaderElector({
      kubeConfig: kc,
      namespace: 'prescale',
      name: 'prescale-leader',
      identity,
      clock,
      onLeading: (isLeader) => leading.set(identity, isLeader),
    });
  const a = candidate('prescale-a');
  const b = candidate('prescale-b');
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  a.start();
  await clock.whenSleeping(1);
  b.start();
  await clock.whenSleeping(2);
  assert.deepEqual([a.isLeader, b.isLeader], [true, false], 'the first to try takes the free Lease');
  // Renewals go on: b keeps following.
  for (let i = 0; i < 5; i++) {
    await clock.advance(2000);
    await clock.whenSleeping(2);
  }
  assert.deepEqual([a.isLeader, b.isLeader], [true, false]);

  // The leader is killed: no more renewals, and the Lease still names it.
  const killedAt = clock.nowMs();
  await a.stop();
  let waitedMs = 0;
  while (!b.isLeader && waitedMs < 60_000) {
    await clock.advance(2000);
    await clock.whenSleeping(1);
    waitedMs = clock.nowMs() - killedAt;
  }
  assert.equal(b.isLeader, true);
  assert.ok(waitedMs <= 17_000, `took over ${waitedMs / 1000} s after the kill (lease 15 s, retry 2 s)`);
  const lease = await kc
    .makeApiClient(k8s.CoordinationV1Api)
    .readNamespacedLease({ name: 'prescale-leader', namespace: 'prescale' });
  assert.equal(lease.spec?.holderIdentity, 'prescale-b');
  assert.equal(lease.spec?.leaseTransitions, 1);
  assert.deepEqual([...leading.entries()].sort(), [
    ['prescale-a', false],
    ['prescale-b', true],
  ]);
});
