/** The cluster simulator: a Deployment, its monitoring, a queueing model and the policies that scale it. */

/** Pods, their lifecycle delays (drawn in creation order) and the ReplicaSet's deletion order. */
export { PodDelayStream, type PodDelays, type PodLifecycle, SimDeployment, SimPod } from './cluster.js';
/** The simulated world as a user writes it (defaults included) and its parser. */
export { mergeConfig, parseSimulationConfig, SIMULATION_DEFAULTS, type SimulationConfig } from './config.js';
/** The request-level discrete-event simulation that checks the queueing model. */
export { type RequestLevelMinutes, simulateRequests } from './des.js';
/** Per-pod delay distributions. */
export { type DelayDistribution, meanDelay, sampleDelay } from './distributions.js';
/** Trace → request rate, scaled to a peak in pods; arrivals per second. */
export {
  arrivalsPerSecond,
  bucketRates,
  cumulativeAt,
  type LoadScaling,
  meanRate,
  type ScaledLoad,
  scaleTrace,
} from './load.js';
/** metrics-server as the HPA sees it. */
export { cpuSample, isScrapeTime, type MetricsServerConfig, podSnapshots, scrapePods } from './metrics-server.js';
/** The cost-optimal oracle: the cheapest schedule that holds the SLO, from the true future (the limit). */
export { cheapestSchedule, costOptimalOraclePolicy, readyPodsNeededPerMinute } from './policies/cost-optimal.js';
/** The HPA (and hpa-tuned) as a policy over the exact emulation. */
export { hpaPolicy } from './policies/hpa.js';
/** Prescale as the service runs it (the live loop), and the HPA that `integration: HPA` puts in front of it. */
export { DESIRED_REPLICAS_METRIC, integrationHpa, type LivePolicy, liveServicePolicy } from './policies/live.js';
/** The oracle: the planner fed the true future. */
export { type ForecastSource, plannedPolicy, trueFutureSource } from './policies/planned.js';
/** A fixed number of replicas. */
export { staticPolicy } from './policies/static.js';
/** Prometheus as Prescale reads it, and its query API answered from the simulated scrapes. */
export { type PrometheusView, SimPrometheus } from './prometheus.js';
export { SimPrometheusApi, type SimQueries } from './prometheus-api.js';
/** The M/M/c/K latency and drop model of one pod. */
export {
  buildQueueTable,
  dropProbability,
  mixtureQuantile,
  type PodServiceModel,
  podMaxThroughput,
  type QueueTable,
  type QueueTableOptions,
  sojournQuantile,
  sojournTail,
  stationaryDistribution,
} from './queueing.js';
/** Seeded random numbers, one stream per purpose. */
export { createRandom, type Random } from './random.js';
/** A trace made ready to simulate, and the input of one run. */
export {
  buildScenario,
  initialReplicas,
  type Scenario,
  scenarioArrivals,
  simulationInput,
  type TraceSplit,
} from './scenario.js';
/** One second of serving and a minute's latency mixture. */
export { MinuteLatency, type SecondServed, serveSecond } from './serving.js';
/** The engine. */
export {
  type ClusterModel,
  type ScalingEvent,
  type SimulationInput,
  type SimulationProgress,
  type SimulationRecord,
  simulate,
} from './simulate.js';
/** The figures of a run and their aggregation over seeds. */
export {
  type Aggregate,
  aggregate,
  aggregateSummaries,
  minuteViolatesSlo,
  type RunSummary,
  type ServiceLevel,
  SUMMARY_FIELDS,
  type SummaryAggregate,
  summarize,
  violatesSlo,
} from './summary.js';
/** The one interface every policy implements, and what it observes. */
export type { AutoscalingPolicy, Observation, PolicyDecision } from './types.js';
