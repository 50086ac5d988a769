/**
 * Properties of the replica decisions over random policies, forecasts and states, and over sequences of decisions
 * fed their own state back: bounds, budget, reactive floor, ramp and stabilization, monotony in the forecast, and
 * no NaN or negative number anywhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Forecast } from '../core/index.js';
import { badNumber, decide, schedule as scheduleOf } from '../testing/planner-fixtures.js';
import { budgetCap, downLimit, forecastAt, runScenario, scenarioArb, upLimit } from '../testing/planner-scenarios.js';
import { initialPlannerState } from './horizontal.js';

const RUNS = { numRuns: 400 };

test('property: replicas always within [minReplicas, maxReplicas]', () => {
  fc.assert(
    fc.property(scenarioArb, (scenario) =>
      runScenario(scenario, ({ decision }) => {
        assert.ok(decision.desiredReplicas >= scenario.policy.minReplicas, decision.reason);
        assert.ok(decision.desiredReplicas <= scenario.policy.maxReplicas, decision.reason);
        assert.ok(Number.isInteger(decision.desiredReplicas));
      }),
    ),
    RUNS,
  );
});

test('property: never above the budget unless minReplicas forces it', () => {
  fc.assert(
    fc.property(scenarioArb, (scenario) =>
      runScenario(scenario, ({ decision }) => {
        const cap = budgetCap(scenario.policy, scenario.pod);
        if (cap !== null)
          assert.ok(decision.desiredReplicas <= Math.max(scenario.policy.minReplicas, cap), decision.reason);
      }),
    ),
    RUNS,
  );
});

test('property: never below the reactive floor unless it is disabled (or a stronger rule caps it: ramp, max, budget)', () => {
  // The floor is what a reactive HPA with the same rules would run: the reactive value ramped from current
  // (scale-up limit, maxReplicas), capped by the budget; current outside the bounds goes to the bound.
  const noUpWindow = scenarioArb.map((s) => ({
    ...s,
    policy: { ...s.policy, scaleUp: { ...s.policy.scaleUp, stabilizationWindowSeconds: 0 } },
  }));
  fc.assert(
    fc.property(noUpWindow, (scenario) =>
      runScenario(scenario, ({ decision, current, now, up, down }) => {
        const { policy, pod } = scenario;
        const reactive = decision.reactiveReplicas;
        if (reactive === null || !(policy.reactiveFloor || decision.fallback.active)) return;
        const cap = budgetCap(policy, pod);
        const upper =
          cap === null ? policy.maxReplicas : Math.max(policy.minReplicas, Math.min(policy.maxReplicas, cap));
        let floor: number;
        if (current > upper) floor = upper;
        else if (current < policy.minReplicas) floor = policy.minReplicas;
        else {
          const ramped =
            reactive > current ? Math.min(reactive, upLimit(current, up, down, now, policy.scaleUp)) : reactive;
          floor = Math.min(upper, Math.max(policy.minReplicas, Math.min(policy.maxReplicas, ramped)));
        }
        assert.ok(
          decision.desiredReplicas >= floor,
          `${decision.desiredReplicas} < floor ${floor}: ${decision.reason}`,
        );
      }),
    ),
    RUNS,
  );
});

test('property: ramp limits and stabilization hold across sequences of calls', () => {
  fc.assert(
    fc.property(scenarioArb, (scenario) =>
      runScenario(scenario, ({ decision, current, now, up, down, memory, normalPath }) => {
        if (!normalPath) return; // outside [min, budget/max] the bound applies at once, like the HPA
        const { policy } = scenario;
        const desired = decision.desiredReplicas;
        const recent = (window: number) => memory.filter((r) => r.timestampSeconds > now - window).map((r) => r.value);
        if (desired > current) {
          assert.ok(desired <= upLimit(current, up, down, now, policy.scaleUp), `up too fast: ${decision.reason}`);
          // Math.min() of no records is Infinity: with a 0 s window nothing holds scale-up back.
          assert.ok(
            desired <= Math.min(...recent(policy.scaleUp.stabilizationWindowSeconds)),
            `up stabilization: ${decision.reason}`,
          );
        }
        if (desired < current) {
          const floor = Math.max(policy.minReplicas, downLimit(current, up, down, now, policy.scaleDown));
          assert.ok(desired >= floor, `down too fast: ${decision.reason}`);
          const highest = Math.max(
            ...recent(policy.scaleDown.stabilizationWindowSeconds),
            decision.recommendedReplicas,
          );
          assert.ok(desired >= Math.min(highest, current), `down stabilization: ${decision.reason}`);
        }
      }),
    ),
    RUNS,
  );
});

test('property: more forecast load never yields fewer replicas', () => {
  const arb = fc.record({
    scenario: scenarioArb,
    scale: fc.double({ min: 1, max: 5, noNaN: true }),
    shift: fc.double({ min: 0, max: 500, noNaN: true }),
  });
  fc.assert(
    fc.property(arb, ({ scenario, scale, shift }) => {
      // Build some memory with the scenario, then compare one decision on the forecast and on a larger one.
      let memory = initialPlannerState;
      let last: { current: number; now: number } = { current: scenario.initialReplicas, now: 1_000_000 };
      runScenario(scenario, ({ state, decision, now }) => {
        memory = state;
        last = { current: decision.desiredReplicas, now };
      });
      const step = scenario.steps[scenario.steps.length - 1];
      const now = last.now + 15;
      const decideOn = (forecast: Forecast | null) =>
        decide(
          {
            policy: scenario.policy,
            pod: scenario.pod,
            current: {
              replicas: last.current,
              readyReplicas: last.current,
              utilizationPercent: step.utilizationPercent,
              load: step.load,
            },
            forecast,
            forecastErrorPercent: step.errorPercent,
            sources: null,
          },
          memory,
          now,
        ).decision;
      const base = decideOn(forecastAt(step.forecast, now));
      const more = decideOn(forecastAt(step.forecast, now, scale, shift));
      assert.ok(more.desiredReplicas >= base.desiredReplicas, `${more.reason} < ${base.reason}`);
      if (base.plannedLoad !== null && more.plannedLoad !== null) assert.ok(more.plannedLoad >= base.plannedLoad);
    }),
    { numRuns: 300 },
  );
});

test('property: no NaN, no negative number anywhere in decisions, schedules and state', () => {
  fc.assert(
    fc.property(scenarioArb, (scenario) => {
      runScenario(scenario, ({ decision, state }) => {
        assert.equal(badNumber(decision), null, `decision${badNumber(decision)}`);
        assert.equal(badNumber(state), null, `state${badNumber(state)}`);
      });
      const first = scenario.steps[0];
      const now = 1_000_000;
      const schedule = scheduleOf(
        {
          policy: scenario.policy,
          pod: scenario.pod,
          current: {
            replicas: scenario.initialReplicas,
            readyReplicas: scenario.initialReplicas,
            utilizationPercent: first.utilizationPercent,
            load: first.load,
          },
          forecast: forecastAt(first.forecast, now),
          forecastErrorPercent: first.errorPercent,
          sources: null,
        },
        initialPlannerState,
        now,
      );
      assert.equal(badNumber(schedule), null, `schedule${badNumber(schedule)}`);
      for (const entry of schedule) {
        assert.ok(entry.replicas >= scenario.policy.minReplicas && entry.replicas <= scenario.policy.maxReplicas);
      }
    }),
    { numRuns: 300 },
  );
});
