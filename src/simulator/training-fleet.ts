import { PrescaleError } from '../core/index.js';
import { compareFitTickets, type FitTicket, REFIT_GRACE_SECONDS } from '../predictor/training-queue.js';
import { PriorityHeap } from './priority-heap.js';
import { createRandom } from './random.js';

/**
 * The training budget of a fleet, simulated: workloads created over time with a mix of models, sharded over
 * replicas, each replica fitting through its training queue (`loop.trainingConcurrency` slots of one core), in the
 * order of the service's own queue (`compareFitTickets`, imported, not copied). Pure and on the simulator's clock:
 * 10,000 workloads over 14 days (110,000 fits) take 1–3 s. It checks the sizing rule (`trainingCoresNeeded`): at
 * the predicted capacity every workload forecasts within 15 minutes of creation and no refit is late; below it,
 * how many are.
 */

/** What a model's fits cost in CPU-seconds, and where the figures were measured. */
export interface FitCost {
  /** The registry name the queue ranks (a first fit of a cheap model goes first). */
  readonly model: string;
  /** A new workload's first fit (for `auto`, a full selection: an upper bound of its warm-up stage). */
  readonly firstFitCpuSeconds: number;
  /** A scheduled refit (for `auto`, the winner alone; for a neural model, a warm start from the serving network). */
  readonly refitCpuSeconds: number;
  /** `auto` only: the full selection it runs every `reselectEvery`; null for other models. */
  readonly selectionCpuSeconds: number | null;
  readonly source: string;
}

/** The fit costs by model (`fleet-fit-costs.ts` reads them from the cost benchmark's file). */
export type FitCosts = Readonly<Record<string, FitCost>>;

/** The share of each model in the fleet (normalised to sum to 1). */
export type FleetMix = Readonly<Record<string, number>>;

/** Half `auto` (with the service's candidates), half fixed models, a fifth of the fleet neural. */
export const DEFAULT_FLEET_MIX: FleetMix = {
  auto: 0.5,
  ets: 0.1,
  mstl: 0.1,
  prophet: 0.1,
  lstm: 0.1,
  gru: 0.05,
  'prophet-lstm': 0.05,
};

/**
 * A neural fleet (half LSTM, a quarter each GRU and the hybrid): with warm refits the default mix needs under one
 * core, so this is the mix that shows the sizing rule's other side, replicas short of the prediction.
 */
export const NEURAL_FLEET_MIX: FleetMix = { lstm: 0.5, gru: 0.25, 'prophet-lstm': 0.25 };

/** A new workload forecasts within this long of its creation (issue 17). */
export const FIRST_FORECAST_TARGET_SECONDS = 900;

/** The fleet and its capacity. */
export interface FleetSettings {
  readonly workloads: number;
  /** Workloads are created at uniformly random times over this span from the start. */
  readonly creationSpanSeconds: number;
  readonly durationSeconds: number;
  readonly mix: FleetMix;
  /** `prediction.retrainEvery` of every workload. */
  readonly retrainEverySeconds: number;
  /** `prediction.reselectEvery` of the `auto` workloads. */
  readonly reselectEverySeconds: number;
  readonly replicas: number;
  /** `loop.trainingConcurrency` of each replica: its slots, a core each. */
  readonly concurrencyPerReplica: number;
  readonly seed: number;
}

/**
 * 10,000 workloads created over a week (a platform team onboarding its services), simulated for two weeks: every
 * workload's weekly `auto` selection included, and a week of steady state after the last creation.
 */
export const DEFAULT_FLEET: Omit<FleetSettings, 'replicas' | 'concurrencyPerReplica'> = {
  workloads: 10_000,
  creationSpanSeconds: 7 * 86_400,
  durationSeconds: 14 * 86_400,
  mix: DEFAULT_FLEET_MIX,
  retrainEverySeconds: 86_400,
  reselectEverySeconds: 7 * 86_400,
  seed: 17,
};

/** The spare capacity the sizing rule keeps: queues stay short only below full utilisation. */
export const SIZING_HEADROOM = 1.25;

/** The cores training needs, and the replicas that give them. */
export interface TrainingSizing {
  /** Σ over workloads of CPU per refit ÷ interval (an `auto` workload's weekly selection spread over its refits). */
  readonly steadyCores: number;
  /** While workloads are created: creation rate × mean first-fit CPU. */
  readonly onboardingCores: number;
  /** (steady + onboarding) × headroom. */
  readonly cores: number;
  readonly replicas: number;
}

/**
 * The sizing rule: capacity = Σ cost ÷ interval over the workloads, plus the first fits of the workloads being
 * created, with `SIZING_HEADROOM`; replicas = that many cores ÷ each replica's training slots, rounded up.
 */
export function trainingCoresNeeded(
  fleet: Omit<FleetSettings, 'replicas' | 'seed'>,
  costs: FitCosts,
  headroom = SIZING_HEADROOM,
): TrainingSizing {
  let refitPerWorkload = 0;
  let firstPerWorkload = 0;
  for (const [model, share] of mixEntries(fleet.mix, costs)) {
    const cost = costs[model];
    refitPerWorkload += share * meanRefitCpuSeconds(cost, fleet);
    firstPerWorkload += share * cost.firstFitCpuSeconds;
  }
  const steadyCores = (fleet.workloads * refitPerWorkload) / fleet.retrainEverySeconds;
  const onboardingCores = (fleet.workloads / fleet.creationSpanSeconds) * firstPerWorkload;
  const cores = headroom * (steadyCores + onboardingCores);
  return { steadyCores, onboardingCores, cores, replicas: Math.ceil(cores / fleet.concurrencyPerReplica) };
}

/** What the simulated fleet went through. */
export interface FleetOutcome {
  readonly slots: number;
  /** Seconds from creation to the first model, over the workloads that got one. */
  readonly firstForecastSeconds: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Workloads with no forecast `FIRST_FORECAST_TARGET_SECONDS` after creation (late, or still waiting at the end). */
  readonly firstForecastsLate: number;
  readonly refits: number;
  /** Refits finished more than `REFIT_GRACE_SECONDS` past due, or still waiting that long when the run ends. */
  readonly refitsLate: number;
  /** Of those, refits that were a whole interval past due: the model missed a refit altogether. */
  readonly refitsMissingInterval: number;
  readonly maxRefitLateSeconds: number;
  /** Busy slot-seconds ÷ (slots × duration). */
  readonly utilization: number;
}

interface SimWorkload {
  readonly key: string;
  readonly cost: FitCost;
  readonly replica: number;
  readonly createdSeconds: number;
  firstModelSeconds: number | null;
  lastSelectionSeconds: number;
}

type SimEvent =
  | { readonly atSeconds: number; readonly order: number; readonly type: 'create' | 'due'; readonly w: SimWorkload }
  | {
      readonly atSeconds: number;
      readonly order: number;
      readonly type: 'done';
      readonly w: SimWorkload;
      readonly ticket: FitTicket;
      readonly selection: boolean;
    };

/** Runs the fleet from its first creation to `durationSeconds` (see the file's comment), charging `costs` per fit. */
export function simulateTrainingFleet(settings: FleetSettings, costs: FitCosts): FleetOutcome {
  const random = createRandom(settings.seed, 'training-fleet');
  const models = mixEntries(settings.mix, costs);
  let order = 0;
  const events = new PriorityHeap<SimEvent>((a, b) => a.atSeconds - b.atSeconds || a.order - b.order);
  for (let i = 0; i < settings.workloads; i++) {
    const createdSeconds = random.next() * settings.creationSpanSeconds;
    const w: SimWorkload = {
      key: `fleet/w${String(i).padStart(5, '0')}`,
      cost: costs[pickModel(models, random.next())],
      // Sharding spreads workloads evenly over the replicas; which replica owns which does not matter here.
      replica: i % settings.replicas,
      createdSeconds,
      firstModelSeconds: null,
      lastSelectionSeconds: createdSeconds,
    };
    events.push({ atSeconds: createdSeconds, order: order++, type: 'create', w });
  }
  const queues = Array.from({ length: settings.replicas }, () => new PriorityHeap<QueuedFit>(byQueueOrder));
  const running = new Array<number>(settings.replicas).fill(0);
  const firstForecasts: number[] = [];
  let refits = 0;
  let refitsLate = 0;
  let refitsMissingInterval = 0;
  let maxRefitLateSeconds = 0;
  let busySeconds = 0;
  const countRefit = (lateSeconds: number) => {
    if (lateSeconds > REFIT_GRACE_SECONDS) refitsLate++;
    if (lateSeconds > settings.retrainEverySeconds) refitsMissingInterval++;
    maxRefitLateSeconds = Math.max(maxRefitLateSeconds, lateSeconds);
  };

  const dispatch = (replica: number, nowSeconds: number) => {
    const queue = queues[replica];
    while (running[replica] < settings.concurrencyPerReplica && queue.size > 0) {
      const { ticket, w } = queue.pop()!;
      const { cost } = w;
      const selection =
        !ticket.hasModel ||
        (cost.selectionCpuSeconds !== null && nowSeconds - w.lastSelectionSeconds >= settings.reselectEverySeconds);
      const cpuSeconds = ticket.hasModel
        ? selection
          ? cost.selectionCpuSeconds!
          : cost.refitCpuSeconds
        : cost.firstFitCpuSeconds;
      running[replica]++;
      busySeconds += Math.min(cpuSeconds, settings.durationSeconds - nowSeconds);
      events.push({ atSeconds: nowSeconds + cpuSeconds, order: order++, type: 'done', w, ticket, selection });
    }
  };

  for (let event = events.pop(); event !== undefined; event = events.pop()) {
    const now = event.atSeconds;
    if (now > settings.durationSeconds) break;
    const { w } = event;
    if (event.type === 'done') {
      running[w.replica]--;
      if (event.selection) w.lastSelectionSeconds = now;
      if (!event.ticket.hasModel) {
        w.firstModelSeconds = now;
        firstForecasts.push(now - w.createdSeconds);
      } else {
        refits++;
        countRefit(now - event.ticket.dueSeconds);
      }
      // As the model holder schedules it: the next refit an interval after this fit ended.
      events.push({ atSeconds: now + settings.retrainEverySeconds, order: order++, type: 'due', w });
    } else {
      const ticket: FitTicket = {
        key: w.key,
        model: w.cost.model,
        hasModel: event.type === 'due',
        dueSeconds: now,
        // Online error is not simulated: refits go by staleness alone.
        errorRatio: null,
      };
      queues[w.replica].push({ ticket, w });
    }
    dispatch(w.replica, now);
  }

  // Still queued when the run ends: as late as they already are.
  let firstForecastsLate = firstForecasts.filter((s) => s > FIRST_FORECAST_TARGET_SECONDS).length;
  for (const queue of queues) {
    for (const { ticket, w } of queue.values()) {
      const waitedSeconds = settings.durationSeconds - ticket.dueSeconds;
      if (ticket.hasModel) countRefit(waitedSeconds);
      else if (settings.durationSeconds - w.createdSeconds > FIRST_FORECAST_TARGET_SECONDS) firstForecastsLate++;
    }
  }
  const sorted = Float64Array.from(firstForecasts).sort();
  const at = (q: number) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const slots = settings.replicas * settings.concurrencyPerReplica;
  return {
    slots,
    firstForecastSeconds: {
      p50: at(0.5),
      p99: at(0.99),
      max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1],
    },
    firstForecastsLate,
    refits,
    refitsLate,
    refitsMissingInterval,
    maxRefitLateSeconds,
    utilization: busySeconds / (slots * settings.durationSeconds),
  };
}

interface QueuedFit {
  readonly ticket: FitTicket;
  readonly w: SimWorkload;
}

/** The replica queue's order: the service's queue order of the tickets. */
function byQueueOrder(a: QueuedFit, b: QueuedFit): number {
  return compareFitTickets(a.ticket, b.ticket);
}

/** Mean CPU per refit: an `auto` workload selects once per `reselectEvery` and refits its winner in between. */
function meanRefitCpuSeconds(
  cost: FitCost,
  fleet: Pick<FleetSettings, 'retrainEverySeconds' | 'reselectEverySeconds'>,
): number {
  if (cost.selectionCpuSeconds === null) return cost.refitCpuSeconds;
  const refitsPerSelection = Math.max(1, Math.round(fleet.reselectEverySeconds / fleet.retrainEverySeconds));
  return (cost.selectionCpuSeconds + (refitsPerSelection - 1) * cost.refitCpuSeconds) / refitsPerSelection;
}

/** The mix's models with their shares normalised; a model without a cost is refused, all of them named at once. */
function mixEntries(mix: FleetMix, costs: FitCosts): [string, number][] {
  const entries = Object.entries(mix).filter(([, share]) => share > 0);
  const unpriced = entries.filter(([model]) => costs[model] === undefined).map(([model]) => model);
  if (unpriced.length > 0) {
    throw new PrescaleError(
      'unknown-model',
      `the fleet's mix names ${unpriced.join(', ')} without a fit cost; read the costs of every model in the mix`,
      { field: unpriced[0] },
    );
  }
  const total = entries.reduce((sum, [, share]) => sum + share, 0);
  return entries.map(([model, share]) => [model, share / total]);
}

function pickModel(models: readonly [string, number][], u: number): string {
  let cumulative = 0;
  for (const [model, share] of models) {
    cumulative += share;
    if (u < cumulative) return model;
  }
  return models[models.length - 1][0];
}
