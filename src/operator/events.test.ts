import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Condition } from './conditions.js';
import { eventsBetween } from './events.js';

const at = '2026-12-03T09:00:00.000Z';
const condition = (type: string, status: 'True' | 'False', message = ''): Condition => ({
  type,
  status,
  reason: 'R',
  message,
  lastTransitionTime: at,
});

test('events: invalid spec, fallback entered and left, a change of the published replicas; none when nothing changed', () => {
  assert.deepEqual(
    eventsBetween({}, { conditions: [condition('InvalidSpec', 'True', 'spec.capacity.perPod: not given')] }).map(
      (e) => [e.type, e.reason, e.note],
    ),
    [['Warning', 'InvalidSpec', 'spec.capacity.perPod: not given']],
  );
  const trusted = { desiredReplicas: 4, reason: 'plan', conditions: [condition('FallbackActive', 'False', 'trusted')] };
  const fallback = {
    desiredReplicas: 4,
    reason: 'reactive',
    conditions: [condition('FallbackActive', 'True', 'fallback: no model')],
  };
  assert.deepEqual(
    eventsBetween(trusted, fallback).map((e) => e.reason),
    ['FallbackEntered'],
  );
  assert.deepEqual(
    eventsBetween(fallback, trusted).map((e) => e.reason),
    ['FallbackLeft'],
  );
  const scaled = eventsBetween(trusted, {
    ...trusted,
    desiredReplicas: 7,
    reason: '7 replicas: forecast q0.8 peak 450',
  });
  assert.deepEqual(scaled, [
    {
      type: 'Normal',
      reason: 'DesiredReplicasChanged',
      action: 'Scale',
      note: 'desired replicas from 4 to 7: 7 replicas: forecast q0.8 peak 450',
    },
  ]);
  assert.deepEqual(eventsBetween(trusted, trusted), []);
  assert.deepEqual(eventsBetween(fallback, fallback), []);
});

test('events: Direct refusing to scale (Ready=False, not an invalid spec) is a Warning once, resuming is Normal', () => {
  const ready = (status: 'True' | 'False', reason: string, message: string): Condition => ({
    ...condition('Ready', status, message),
    reason,
  });
  const running = { conditions: [ready('True', 'Reconciled', 'running; integration Direct')] };
  const conflict = {
    conditions: [
      ready('False', 'ConflictingAutoscaler', 'HorizontalPodAutoscaler web-cpu already scales Deployment web'),
    ],
  };
  assert.deepEqual(
    eventsBetween(running, conflict).map((e) => [e.type, e.reason, e.note]),
    [['Warning', 'ConflictingAutoscaler', 'HorizontalPodAutoscaler web-cpu already scales Deployment web']],
  );
  assert.deepEqual(eventsBetween(conflict, conflict), [], 'a refresh of the same refusal posts nothing');
  assert.deepEqual(
    eventsBetween(conflict, running).map((e) => [e.type, e.reason, e.note]),
    [['Normal', 'ScalingResumed', 'resumed: ConflictingAutoscaler no longer holds']],
  );
  const invalid = { conditions: [ready('False', 'InvalidSpec', 'spec.capacity.perPod: not given')] };
  assert.deepEqual(eventsBetween(running, invalid), [], 'an invalid spec has its own event, from InvalidSpec');
  assert.deepEqual(eventsBetween(invalid, running), []);
});
