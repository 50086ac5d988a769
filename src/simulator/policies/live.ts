import { PrometheusSource } from '../../collector/prometheus.js';
import type { ServiceConfig, WorkloadConfig } from '../../config/service.js';
import type { Clock } from '../../core/index.js';
import { DESIRED_REPLICAS_METRIC } from '../../executor/external-metrics.js';
import type { Publisher, ScalingDecision } from '../../executor/types.js';
import { DEFAULT_CONTROLLER_CONFIG } from '../../hpa/defaults.js';
import { EMPTY_CONTROLLER_STATE, reconcileHpa } from '../../hpa/reconcile.js';
import type { HpaControllerConfig, HpaControllerState, HpaSpec } from '../../hpa/types.js';
import { fitModel, type Trainer } from '../../predictor/trainer.js';
import { WorkloadLoop } from '../../predictor/workload-loop.js';
import { SimPrometheusApi, type SimQueries } from '../prometheus-api.js';
import type { AutoscalingPolicy, Observation } from '../types.js';

/** The External metric the service publishes and an `integration: HPA` (or KEDA) HPA reads. */
export { DESIRED_REPLICAS_METRIC };

/** A Prescale policy that also reports the wall time its model fits took (excluded from speed targets). */
export interface LivePolicy extends AutoscalingPolicy<null> {
  /** Wall time spent fitting models so far, milliseconds. */
  trainingMilliseconds(): number;
  /** The decisions the service published, in order. */
  readonly published: readonly ScalingDecision[];
  /** Every model fit: when (simulated time) and how long it took (wall milliseconds). */
  readonly fits: readonly { readonly atSeconds: number; readonly milliseconds: number }[];
}

/**
 * Prescale as it runs in a cluster: the live service's own per-workload loop (`src/predictor`:
 * `WorkloadLoop` — Prometheus reads, model holder with retrains, online accuracy, the central fallback,
 * the planner, publishing) syncs every period against the simulated Prometheus, and the policy's decision
 * is the value it publishes. Put `integrationHpa` in front of it for `integration: HPA` or `KEDA`.
 *
 * Model fits run in-process and finish before the next sync (a fit never blocks a sync, so the sync that
 * starts one still forecasts with the previous model, as in the service). The service starts a few
 * syncs before the simulation, with Prometheus holding only the history, so its first model is fitted on
 * the training split and its fallback has recovered when the simulation begins.
 */
export function liveServicePolicy(options: {
  readonly name: string;
  readonly workload: WorkloadConfig;
  readonly loop: ServiceConfig['loop'];
  readonly queries: SimQueries;
  readonly syncPeriodSeconds: number;
  /** False: every fit is refused, so the service never has a model and always falls back (no-forecast ablation). */
  readonly forecast?: boolean;
}): LivePolicy {
  const api = new SimPrometheusApi(options.queries);
  let nowMs = 0;
  const clock: Clock = { nowMs: () => nowMs, sleep: async () => undefined };
  const fits: { atSeconds: number; milliseconds: number }[] = [];
  const trainer: Trainer = {
    fit: async (request, signal) => {
      if (options.forecast === false) throw new Error('forecasting is off (policies.prescale.forecast: false)');
      const started = performance.now();
      try {
        return await fitModel(request, signal);
      } finally {
        fits.push({ atSeconds: nowMs / 1000, milliseconds: performance.now() - started });
      }
    },
    close: async () => undefined,
  };
  const published: ScalingDecision[] = [];
  let latest: ScalingDecision | null = null;
  const publisher: Publisher = {
    name: 'simulator',
    publish: async (decision) => {
      latest = decision;
      published.push(decision);
    },
    // The simulated workload is never removed.
    withdraw: async () => undefined,
    close: async () => undefined,
  };
  let loop: WorkloadLoop | null = null;

  const syncAt = async (observation: Observation, nowSeconds: number) => {
    nowMs = nowSeconds * 1000;
    api.at(observation.prometheus, nowSeconds);
    await loop!.sync(nowSeconds);
    // A fit the sync started finishes before the next sync (in-process here; a worker in the service).
    await loop!.whenIdle();
  };

  return {
    name: options.name,
    syncPeriodSeconds: options.syncPeriodSeconds,
    published,
    fits,
    trainingMilliseconds: () => fits.reduce((sum, fit) => sum + fit.milliseconds, 0),
    initialState: () => null,
    prepare(observation, nowSeconds) {
      return (async () => {
        if (loop === null) {
          loop = new WorkloadLoop({
            workload: options.workload,
            loop: options.loop,
            source: new PrometheusSource(api, { sumSeries: true }),
            instant: api,
            trainer,
            clock,
            modelPath: null,
            publishers: [publisher],
            metrics: null,
          });
          // The service has been running with Prometheus holding the history: long enough for its first
          // model and for the fallback's recovery period (a fresh service starts in fallback: no model yet).
          const period = options.syncPeriodSeconds;
          const warmUpSyncs = Math.ceil(options.workload.resource.policy.fallback.recoverAfterSeconds / period) + 2;
          const startSeconds = nowSeconds - warmUpSyncs * period;
          nowMs = startSeconds * 1000;
          await loop.start(startSeconds);
          for (let t = startSeconds; t < nowSeconds; t += period) await syncAt(observation, t);
          published.length = 0;
        }
        await syncAt(observation, nowSeconds);
      })();
    },
    decide(_observation, state) {
      const decision = latest!;
      return { replicas: decision.replicas, reason: `${decision.source}: ${decision.reason}`, state };
    },
  };
}

/** A time when Prescale is down (its process killed): [fromSeconds, toSeconds) in simulated time. */
export interface Outage {
  readonly fromSeconds: number;
  readonly toSeconds: number;
}

/**
 * `integration: HPA` (or KEDA, which creates the same HPA): the replicas a policy publishes become an
 * External metric with an AverageValue target of 1, and the HPA (the exact emulation, reading the pods as
 * the controller does) sets spec.replicas. Both sync at the same instant, the HPA right after. During an
 * `outage` Prescale neither syncs nor publishes: the External metric is missing, and the HPA scales on whatever
 * other metric its spec has (the operator's owned HPA has CPU), or holds.
 */
export function integrationHpa<S>(
  inner: AutoscalingPolicy<S>,
  hpa: HpaSpec,
  controller: HpaControllerConfig = DEFAULT_CONTROLLER_CONFIG,
  outage: Outage | null = null,
): AutoscalingPolicy<{ readonly inner: S; readonly hpa: HpaControllerState }> {
  const down = (nowSeconds: number) =>
    outage !== null && nowSeconds >= outage.fromSeconds && nowSeconds < outage.toSeconds;
  const prepare = inner.prepare?.bind(inner);
  return {
    name: inner.name,
    syncPeriodSeconds: inner.syncPeriodSeconds,
    initialState: () => ({ inner: inner.initialState(), hpa: EMPTY_CONTROLLER_STATE }),
    prepare:
      prepare === undefined
        ? undefined
        : (observation, nowSeconds) => (down(nowSeconds) ? undefined : prepare(observation, nowSeconds)),
    trainingMilliseconds: inner.trainingMilliseconds?.bind(inner),
    decide(observation, state, nowSeconds) {
      const published = down(nowSeconds) ? null : inner.decide(observation, state.inner, nowSeconds);
      const result = reconcileHpa(
        {
          hpa,
          scale: { specReplicas: observation.specReplicas, statusReplicas: observation.statusReplicas },
          pods: observation.pods(),
          podsMetrics: {},
          objectMetrics: {},
          externalMetrics: published === null ? {} : { [DESIRED_REPLICAS_METRIC]: published.replicas * 1000 },
          controller,
        },
        state.hpa,
        nowSeconds,
      );
      const limited = result.conditions.find((c) => c.type === 'ScalingLimited' && c.status === 'True');
      const source = published === null ? 'Prescale down' : `published ${published.replicas} (${published.reason})`;
      return {
        replicas: result.desiredReplicas,
        reason: `${source}${limited ? `; HPA ${limited.reason}` : ''}`,
        state: { inner: published?.state ?? state.inner, hpa: result.state },
      };
    },
  };
}
