import assert from 'node:assert/strict';
import { test } from 'node:test';
import type * as k8s from '@kubernetes/client-node';
import { type JobOutcome, jobOutcome, retryDelaySeconds } from './training-job.js';

const outcomes: { name: string; status: k8s.V1JobStatus | undefined; want: JobOutcome }[] = [
  { name: 'no status yet', status: undefined, want: { state: 'running' } },
  { name: 'a pod running', status: { active: 1 }, want: { state: 'running' } },
  {
    name: 'Complete=True',
    status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
    want: { state: 'complete' },
  },
  {
    name: 'Failed=True, with its reason and message',
    status: {
      failed: 2,
      conditions: [
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the limit' },
      ],
    },
    want: { state: 'failed', reason: 'BackoffLimitExceeded: Job has reached the limit' },
  },
  {
    name: 'Failed=True without a reason',
    status: { conditions: [{ type: 'Failed', status: 'True' }] },
    want: { state: 'failed', reason: 'Failed' },
  },
  {
    name: 'a condition that does not hold (status False) is no outcome',
    status: {
      conditions: [
        { type: 'Failed', status: 'False' },
        { type: 'Suspended', status: 'True' },
      ],
    },
    want: { state: 'running' },
  },
];

for (const row of outcomes) {
  test(`jobOutcome: ${row.name}`, () => {
    assert.deepEqual(jobOutcome({ status: row.status }), row.want);
  });
}

test('retryDelaySeconds doubles from the base at each retry and stops at the cap', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((retry) => retryDelaySeconds(retry, 30, 600)),
    [30, 60, 120, 240, 480, 600],
  );
  assert.equal(retryDelaySeconds(1, 30, 20), 20);
});
