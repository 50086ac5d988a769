import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeParseServiceConfig } from './service.js';

test('loop.trainer: job with an image parses training.job with its defaults, durations in seconds', () => {
  const result = safeParseServiceConfig({
    loop: { trainer: 'job' },
    training: {
      job: { image: 'ghcr.io/prescale/prescale:0.1.0', retryBackoff: '1m', resources: { limits: { cpu: 4 } } },
    },
  });
  assert.ok(result.success, JSON.stringify(!result.success && result.issues));
  assert.equal(result.data.loop.trainer, 'job');
  assert.deepEqual(result.data.training.job, {
    image: 'ghcr.io/prescale/prescale:0.1.0',
    modelsClaim: 'prescale-models',
    resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '4', memory: '2Gi' } },
    backoffLimit: 1,
    activeDeadlineSeconds: 7200,
    ttlSecondsAfterFinished: 3600,
    maxRetries: 3,
    retryBackoffSeconds: 60,
    maxRetryBackoffSeconds: 600,
    pollIntervalSeconds: 10,
    batchWindowSeconds: 5,
    maxBatchSize: 8,
  });
});

test('the default trainer ignores training.job, whose image may then be absent', () => {
  const result = safeParseServiceConfig({});
  assert.ok(result.success);
  assert.equal(result.data.loop.trainer, 'worker');
  assert.equal(result.data.training.job.image, null);
});

const refused: { name: string; input: unknown; want: { path: string; text: string }[] }[] = [
  {
    name: 'a job trainer without an image',
    input: { loop: { trainer: 'job' } },
    want: [{ path: 'training.job.image', text: 'required with loop.trainer: job; give the image' }],
  },
  {
    name: 'every problem of the section at once',
    input: {
      loop: { trainer: 'job' },
      training: {
        job: {
          image: 'prescale:1',
          modelsClaim: 'Models_Claim',
          resources: { requests: { cpu: 'lots' } },
          maxRetries: -1,
          retryBackoff: 'soon',
          maxBatchSize: 0,
        },
      },
    },
    want: [
      { path: 'training.job.modelsClaim', text: 'is not a claim name' },
      { path: 'training.job.resources.requests.cpu', text: '"lots"' },
      { path: 'training.job.maxRetries', text: '-1' },
      { path: 'training.job.retryBackoff', text: 'write a duration between 1s and 1h' },
      { path: 'training.job.maxBatchSize', text: '0' },
    ],
  },
  {
    name: 'an unknown trainer',
    input: { loop: { trainer: 'jobs' } },
    want: [{ path: 'loop.trainer', text: '"job"' }],
  },
  {
    name: 'an unknown key',
    input: { training: { job: { image: 'prescale:1', backoff: 3 } } },
    want: [{ path: 'training.job.backoff', text: 'backoff' }],
  },
];

for (const row of refused) {
  test(`training.job refused with the field named: ${row.name}`, () => {
    const result = safeParseServiceConfig(row.input);
    assert.ok(!result.success, 'expected issues');
    assert.deepEqual(
      result.issues.map((i) => i.path),
      row.want.map((w) => w.path),
    );
    for (const [i, w] of row.want.entries()) {
      assert.ok(result.issues[i].message.includes(w.text), result.issues[i].message);
    }
  });
}
