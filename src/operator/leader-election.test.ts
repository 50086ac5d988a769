import assert from 'node:assert/strict';
import { after, before, type TestContext, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { LeaderElector } from './leader-election.js';

// Two replicas campaign for one Lease on the stand-in API server, on one injected clock: one leads; when the
// leader crashes (it stops renewing, the Lease still names it), the other takes over once the Lease has expired.

let server: KubeApiServer;
before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', 'prescale'] });
});
after(() => server.stop());

/** Two candidates for `leaseName`, started one after the other (so `a` takes the free Lease); stopped at the end. */
async function twoCandidates(
  t: TestContext,
  leaseName: string,
  onLeading: (identity: string, isLeader: boolean) => void = () => {},
): Promise<{ kc: k8s.KubeConfig; clock: ManualClock; a: LeaderElector; b: LeaderElector }> {
  const kc = kubeConfigFor(server.url);
  const clock = new ManualClock(Date.parse('2026-12-03T10:00:00Z'));
  const a = candidate(kc, clock, leaseName, 'prescale-a', (isLeader) => onLeading('prescale-a', isLeader));
  const b = candidate(kc, clock, leaseName, 'prescale-b', (isLeader) => onLeading('prescale-b', isLeader));
  t.after(async () => {
    await a.stop();
    await b.stop();
  });
  a.start();
  await clock.whenSleeping(1);
  b.start();
  await clock.whenSleeping(2);
  return { kc, clock, a, b };
}

function candidate(
  kc: k8s.KubeConfig,
  clock: ManualClock,
  leaseName: string,
  identity: string,
  onLeading: (isLeader: boolean) => void = () => {},
): LeaderElector {
  return new LeaderElector({ kubeConfig: kc, namespace: 'prescale', name: leaseName, identity, clock, onLeading });
}

test('two candidates: one leader; the leader crashed, the other leads within the lease duration plus two retries', async (t) => {
  const leading = new Map<string, boolean>();
  const { kc, clock, a, b } = await twoCandidates(t, 'prescale-leader', (identity, isLeader) =>
    leading.set(identity, isLeader),
  );
  assert.deepEqual([a.isLeader, b.isLeader], [true, false], 'the first to try takes the free Lease');
  // Renewals go on: b keeps following.
  for (let i = 0; i < 5; i++) {
    await clock.advance(2000);
    await clock.whenSleeping(2);
  }
  assert.deepEqual([a.isLeader, b.isLeader], [true, false]);

  // The leader crashes: no more renewals, and the Lease still names it.
  const killedAt = clock.nowMs();
  await a.abandon();
  let waitedMs = 0;
  while (!b.isLeader && waitedMs < 60_000) {
    await clock.advance(2000);
    await clock.whenSleeping(1);
    waitedMs = clock.nowMs() - killedAt;
  }
  assert.equal(b.isLeader, true);
  // The follower may read the Lease just before the leader's last renewal, so it sees that renewal one retry late,
  // and its expiry check runs once per retry: lease 15 s + 2 × 2 s at most (client-go behaves alike).
  assert.ok(waitedMs >= 15_000, `not before the lease expired (${waitedMs / 1000} s)`);
  assert.ok(waitedMs <= 19_000, `took over ${waitedMs / 1000} s after the crash (lease 15 s, retry 2 s)`);
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

test('a leader that stops releases the Lease: the other leads at its next try, not after the lease duration', async (t) => {
  const { kc, clock, a, b } = await twoCandidates(t, 'prescale-release');
  assert.deepEqual([a.isLeader, b.isLeader], [true, false]);

  await a.stop();
  const lease = await kc
    .makeApiClient(k8s.CoordinationV1Api)
    .readNamespacedLease({ name: 'prescale-release', namespace: 'prescale' });
  assert.equal(lease.spec?.holderIdentity, '', 'released: no holder');
  await clock.advance(2000);
  await clock.whenSleeping(1);
  assert.equal(b.isLeader, true, 'the other leads one retry period (2 s) after the release');
});

test("expiry is judged on the candidate's own clock from when it saw the record change, not on the holder's renewTime", async (t) => {
  const kc = kubeConfigFor(server.url);
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  // A holder whose clock runs an hour behind: its renewTime looks long expired to us, yet it renews.
  await leases.createNamespacedLease({
    namespace: 'prescale',
    body: {
      metadata: { name: 'prescale-skew' },
      spec: {
        holderIdentity: 'prescale-skewed',
        leaseDurationSeconds: 15,
        renewTime: new k8s.V1MicroTime(Date.parse('2026-12-03T11:00:00Z')),
      },
    },
  });
  const clock = new ManualClock(Date.parse('2026-12-03T12:00:00Z'));
  const b = candidate(kc, clock, 'prescale-skew', 'prescale-b');
  t.after(() => b.stop());
  assert.equal(await b.tryAcquireOrRenew(), false, 'first sight of the record: it is not expired yet for us');
  await clock.advance(14_000);
  assert.equal(await b.tryAcquireOrRenew(), false, '14 s after first seeing it, unchanged: still held');
  await clock.advance(2000);
  assert.equal(await b.tryAcquireOrRenew(), true, '16 s without a change: expired, taken');
});
