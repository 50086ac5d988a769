import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CelError, evaluateCel } from './cel.js';

const self = { minReplicas: 2, maxReplicas: 10, mode: 'Auto', tags: ['a', 'b'], limits: { cpu: 2 } };

describe('the CEL subset used by x-kubernetes-validations', () => {
  const rows: { rule: string; want: unknown }[] = [
    { rule: 'self.minReplicas <= self.maxReplicas', want: true },
    { rule: '!has(self.budget) || self.budget > 0', want: true },
    { rule: 'has(self.limits) && self.limits.cpu >= 1', want: true },
    { rule: "self.mode != 'ForecastOnly' || !has(self.planner)", want: true },
    { rule: "self.mode in ['Auto', 'ForecastOnly']", want: true },
    { rule: 'size(self.tags) == 2 && self.tags.size() == 2', want: true },
    { rule: "self.tags.all(t, t.startsWith('a') || t == 'b')", want: true },
    { rule: "self.tags.exists(t, t == 'c')", want: false },
    { rule: 'self.maxReplicas - self.minReplicas * 2 == 6', want: true },
    { rule: 'self.maxReplicas / 3 == 3 && self.maxReplicas % 3 == 1', want: true },
    { rule: "self.minReplicas > 5 ? 'big' : 'small'", want: 'small' },
    { rule: "'planner is ignored in mode ' + self.mode", want: 'planner is ignored in mode Auto' },
    { rule: 'self.mode.matches(\'^A\') && "x\\"y".contains(\'"\')', want: true },
  ];
  for (const { rule, want } of rows) {
    it(rule, () => assert.deepEqual(evaluateCel(rule, { self }), want));
  }

  it('reports a missing field and an unknown function as evaluation errors', () => {
    assert.throws(() => evaluateCel('self.budget > 0', { self }), new CelError('no such key: budget'));
    assert.throws(
      () => evaluateCel('frobnicate(self)', { self }),
      new CelError("undeclared reference to 'frobnicate'"),
    );
    assert.throws(() => evaluateCel('self.minReplicas <', { self }), CelError);
  });
});
