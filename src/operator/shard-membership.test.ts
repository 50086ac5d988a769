import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFor } from '../testing/kube-apiserver/fixtures.js';
import { type KubeApiServer, startKubeApiServer } from '../testing/kube-apiserver/index.js';
import { ManualClock } from '../testing/manual-clock.js';
import { ADDRESS_ANNOTATION, MEMBER_LABEL, ShardMembership } from './shard-membership.js';

// The member Leases on the stand-in API server, on one injected clock: a newcomer owns nothing until the others have
// seen it; a member whose renewals fail fences itself out before the others could consider its Lease expired, so no
// key is ever owned by two; the loop renews every retry period and a stop releases the Lease.

let server: KubeApiServer;
let kc: k8s.KubeConfig;
before(async () => {
  server = await startKubeApiServer({ namespaces: ['default', 'prescale', 'fence', 'loop'] });
  kc = kubeConfigFor(server.url);
});
after(() => server.stop());

function member(
  namespace: string,
  podName: string,
  clock: ManualClock,
  changes: (readonly string[])[] = [],
): ShardMembership {
  return new ShardMembership({
    kubeConfig: kc,
    namespace,
    podName,
    identity: `${podName}_1`,
    address: `10.0.0.${podName.at(-1)}:8080`,
    clock,
    onMembersChanged: (members) => changes.push(members),
  });
}

const keys = Array.from({ length: 200 }, (_, i) => `shop/service-${i}`);
const owned = (m: ShardMembership) => keys.filter((key) => m.owns(key));

test('a newcomer owns nothing for two retry periods; its Lease carries its address and the member label', async () => {
  const clock = new ManualClock(Date.parse('2026-12-03T12:00:00Z'));
  const changes: (readonly string[])[] = [];
  const a = member('prescale', 'prescale-0', clock, changes);
  await a.renewAndObserve();
  assert.deepEqual(a.members(), [], 'not yet a member');
  assert.deepEqual(owned(a), []);
  await clock.advance(2000);
  await a.renewAndObserve();
  await clock.advance(2000);
  await a.renewAndObserve();
  assert.deepEqual(a.members(), ['prescale-0']);
  assert.equal(owned(a).length, keys.length, 'alone, it owns every key');
  assert.deepEqual(changes, [['prescale-0']]);
  const lease = await kc
    .makeApiClient(k8s.CoordinationV1Api)
    .readNamespacedLease({ name: 'prescale-member-prescale-0', namespace: 'prescale' });
  assert.equal(lease.metadata?.labels?.[MEMBER_LABEL], 'true');
  assert.equal(lease.metadata?.annotations?.[ADDRESS_ANNOTATION], '10.0.0.0:8080');
  assert.equal(lease.spec?.holderIdentity, 'prescale-0_1');
  assert.equal(a.addressOf('prescale-0'), '10.0.0.0:8080');
});

test('a member cut off from the API fences itself out before the others take its keys, and rejoins afresh: never owned by two', async () => {
  const clock = new ManualClock(Date.parse('2026-12-03T12:00:00Z'));
  const a = member('fence', 'prescale-0', clock);
  const b = member('fence', 'prescale-1', clock);
  for (let i = 0; i < 3; i++) {
    await a.renewAndObserve();
    await b.renewAndObserve();
    await clock.advance(2000);
  }
  const shareOfB = owned(b);
  assert.ok(shareOfB.length > 0 && owned(a).length + shareOfB.length === keys.length);
  // b's requests all fail from now on (a partition): it keeps trying, a keeps renewing and observing.
  const cutAtMs = clock.nowMs();
  let doubleOwned = 0;
  let fencedAfterMs: number | null = null;
  let takenAfterMs: number | null = null;
  while (clock.nowMs() - cutAtMs < 30_000) {
    server.injectFailure({ path: /prescale-member-prescale-1/, code: 503, times: 1 });
    await b.renewAndObserve();
    await a.renewAndObserve();
    await clock.advance(1000);
    const elapsedMs = clock.nowMs() - cutAtMs;
    if (fencedAfterMs === null && owned(b).length === 0) fencedAfterMs = elapsedMs;
    if (takenAfterMs === null && owned(a).length === keys.length) takenAfterMs = elapsedMs;
    doubleOwned += keys.filter((key) => a.owns(key) && b.owns(key)).length;
  }
  assert.equal(doubleOwned, 0);
  assert.ok(
    fencedAfterMs !== null && fencedAfterMs <= 10_000,
    `b stops owning by its renew deadline (${fencedAfterMs})`,
  );
  assert.ok(
    takenAfterMs !== null && takenAfterMs >= 15_000,
    `a takes b's keys after its lease duration (${takenAfterMs})`,
  );
  assert.ok(takenAfterMs <= 19_000, `within the lease duration and two retries (${takenAfterMs})`);

  // The partition heals: b joins afresh (two rounds), a lets go first; still never owned by two.
  for (let i = 0; i < 4; i++) {
    await b.renewAndObserve();
    await a.renewAndObserve();
    await clock.advance(1000);
    assert.equal(keys.filter((key) => a.owns(key) && b.owns(key)).length, 0, `round ${i} after healing`);
  }
  assert.deepEqual(owned(b), shareOfB, 'b has its share back');
});

test('the loop renews every retry period; stop releases the Lease and owns nothing more', async () => {
  const clock = new ManualClock(Date.parse('2026-12-03T12:00:00Z'));
  const a = member('loop', 'prescale-0', clock);
  a.start();
  for (let i = 0; i < 3; i++) {
    await clock.whenSleeping(1);
    await clock.advance(2000);
  }
  await clock.whenSleeping(1);
  assert.deepEqual(a.members(), ['prescale-0']);
  const leases = kc.makeApiClient(k8s.CoordinationV1Api);
  const renewed = await leases.readNamespacedLease({ name: 'prescale-member-prescale-0', namespace: 'loop' });
  assert.equal(new Date(String(renewed.spec?.renewTime)).getTime(), clock.nowMs(), 'renewed at the last round');
  await a.stop();
  assert.deepEqual(owned(a), []);
  const released = await leases.readNamespacedLease({ name: 'prescale-member-prescale-0', namespace: 'loop' });
  assert.equal(released.spec?.holderIdentity, '');
});
