import type { AutoscalingPolicy, Observation } from '../types.js';

/*
 * The reinforcement-learning autoscaler as a policy (docs/rl.md): each sync it turns what a controller can observe
 * into a fixed feature vector and asks a chooser (the trained Q-network, or an exploring one while training) for one
 * of a small set of replica changes. Nothing here knows the future or the network: the chooser is injected.
 */

/** A replica change the agent can pick: add `delta` pods, or multiply by `factor` (rounded up). */
export type RlAction = { readonly delta: number } | { readonly factor: number };

/** The actions, in the order of the network's outputs. */
export const RL_ACTIONS: readonly RlAction[] = [
  { delta: -2 },
  { delta: -1 },
  { delta: 0 },
  { delta: 1 },
  { delta: 2 },
  { delta: 4 },
  { factor: 1.5 },
];

/** Names of the features, in the order of `rlFeatures`' output (the network's inputs). */
export const RL_FEATURE_NAMES = [
  'load per ready pod / capacity per pod',
  'load / capacity of spec.replicas',
  'load trend (1 min vs 5 min)',
  'same 10 minutes yesterday / capacity of spec.replicas',
  'yesterday: next 10 minutes vs this minute',
  'spec.replicas / maxReplicas',
  'pending pods / spec.replicas',
  'CPU utilization / 100',
  'time of day (sin)',
  'time of day (cos)',
  'pods the load needs / maxReplicas',
] as const;

export const RL_FEATURE_COUNT = RL_FEATURE_NAMES.length;

/** What the features are scaled by: the workload's capacity per pod and its replica bounds. */
export interface RlScaling {
  /** Requests/s one pod serves at the target utilization (`capacity.perPod`). */
  readonly perPodRate: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

const DAY_SECONDS = 86_400;
/** How far ahead the seasonal-naive forecast looks: about two pod start-ups and a sync. */
const LOOK_AHEAD_SECONDS = 600;

const clip = (x: number, lo: number, hi: number) => (Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : 0);

/** Mean of the load buckets covering [from, to) that Prometheus holds; NaN when it holds none. */
function meanLoad(observation: Observation, fromSeconds: number, toSeconds: number): number {
  const series = observation.prometheus.loadSeries();
  const step = series.stepSeconds;
  const first = Math.max(0, Math.floor((fromSeconds - series.startSeconds) / step));
  const last = Math.min(series.values.length, Math.ceil((toSeconds - series.startSeconds) / step));
  let sum = 0;
  let n = 0;
  for (let i = first; i < last; i++) {
    const v = series.values[i];
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}

/**
 * The agent's view at `nowSeconds`, from the observation alone (Prometheus strictly before now, the scale
 * subresource, ready pods): recent load per pod and its trend, the seasonal-naive forecast (the same minutes
 * yesterday), replicas, pending pods, CPU utilization and the time of day, each scaled to about [0, 4].
 */
export function rlFeatures(observation: Observation, nowSeconds: number, scaling: RlScaling): Float32Array {
  const { perPodRate, maxReplicas } = scaling;
  const spec = Math.max(1, observation.specReplicas);
  const ready = Math.max(1, observation.readyReplicas);
  const recent = observation.prometheus.recent(60);
  const slow = observation.prometheus.recent(300);
  const load = recent?.load ?? observation.prometheus.evaluate('requests', nowSeconds, 60) ?? 0;
  const loadSlow = slow?.load ?? load;
  const yesterdayNow = meanLoad(observation, nowSeconds - DAY_SECONDS - 60, nowSeconds - DAY_SECONDS);
  const yesterdayNext = meanLoad(observation, nowSeconds - DAY_SECONDS, nowSeconds - DAY_SECONDS + LOOK_AHEAD_SECONDS);
  const dayAngle = (2 * Math.PI * (nowSeconds % DAY_SECONDS)) / DAY_SECONDS;
  return Float32Array.from([
    clip(load / (ready * perPodRate), 0, 4),
    clip(load / (spec * perPodRate), 0, 4),
    clip((load - loadSlow) / Math.max(loadSlow, perPodRate), -1, 1),
    clip(yesterdayNext / (spec * perPodRate), 0, 4),
    clip(yesterdayNext / Math.max(yesterdayNow, perPodRate) - 1, -1, 1),
    clip(observation.specReplicas / maxReplicas, 0, 1),
    clip((observation.statusReplicas - observation.readyReplicas) / spec, 0, 1),
    clip((recent?.cpuUtilizationPercent ?? 0) / 100, 0, 2),
    Math.sin(dayAngle),
    Math.cos(dayAngle),
    clip(load / perPodRate / maxReplicas, 0, 2),
  ]);
}

/** The replicas after `action` from `specReplicas`, within [minReplicas, maxReplicas]. */
export function applyRlAction(action: RlAction, specReplicas: number, scaling: RlScaling): number {
  const next = 'delta' in action ? specReplicas + action.delta : Math.ceil(specReplicas * action.factor);
  return Math.min(scaling.maxReplicas, Math.max(scaling.minReplicas, next));
}

/** Picks an action index for a feature vector (the greedy Q-network, or an ε-greedy one while training). */
export type RlChooser = (features: Float32Array) => number;

/** One decision as training needs it: when, what the agent saw, and what it picked. */
export interface RlStep {
  readonly nowSeconds: number;
  readonly features: Float32Array;
  readonly action: number;
}

/** The label of an action in decision reasons. */
function actionLabel(action: RlAction): string {
  if ('factor' in action) return `×${action.factor}`;
  return action.delta >= 0 ? `+${action.delta}` : `${action.delta}`;
}

/**
 * The RL policy: every `syncPeriodSeconds` it computes the features and applies the chooser's action. With
 * `onStep`, every decision is reported (training records its transitions from them).
 */
export function rlPolicy(options: {
  readonly name: string;
  readonly syncPeriodSeconds: number;
  readonly scaling: RlScaling;
  readonly choose: RlChooser;
  readonly onStep?: (step: RlStep) => void;
}): AutoscalingPolicy<null> {
  const { scaling, choose } = options;
  return {
    name: options.name,
    syncPeriodSeconds: options.syncPeriodSeconds,
    initialState: () => null,
    decide(observation, _state, nowSeconds) {
      const features = rlFeatures(observation, nowSeconds, scaling);
      const action = choose(features);
      options.onStep?.({ nowSeconds, features, action });
      const chosen = RL_ACTIONS[action];
      return {
        replicas: applyRlAction(chosen, observation.specReplicas, scaling),
        reason: `rl ${actionLabel(chosen)}`,
        state: null,
      };
    },
  };
}
