import { rm, stat } from 'node:fs/promises';
import type { Clock, Series } from '../core/index.js';
import type { AutoSelection } from '../models/auto.js';
import { readFittedModel, type SerializedModel, writeSerializedModel } from '../models/persistence.js';
import { loadFittedModel } from '../models/registry.js';
import type { FittedForecaster, ModelOptions, PortableModel } from '../models/types.js';
import {
  type AutoRefitSettings,
  type DriftMemory,
  driftLimitPercent,
  type FitKind,
  nextAutoFit,
  type PlannedFit,
  trackDrift,
} from './auto-refit.js';
import type { Trainer } from './trainer.js';
import { type FitTicket, REFIT_GRACE_SECONDS, type TrainingQueue, type TrainingSlot } from './training-queue.js';

/** What a model holder needs to know about its workload's model. */
export interface ModelHolderOptions {
  /** A registry name or `auto`. */
  readonly model: string;
  readonly autoCandidates: readonly string[];
  readonly modelOptions: ModelOptions;
  readonly retrainEverySeconds: number;
  /**
   * `model: auto` in its full stage: when to select again rather than refit the winner (`auto-refit.ts`), read at
   * each sync (the settings may change under a running holder). Absent: every fit of `auto` selects.
   */
  readonly autoRefit?: () => AutoRefitSettings;
  /** After a failed fit, try again this much later (the last good model keeps serving meanwhile). */
  readonly retryAfterSeconds: number;
  /** Where the fitted model is saved and read back at start; null = never persisted. */
  readonly path: string | null;
  readonly trainer: Trainer;
  /**
   * The service's training budget: a fit waits here for a slot before it reads its data. Absent (the simulator,
   * tests of the holder alone): fits start at once.
   */
  readonly queue?: {
    readonly queue: TrainingQueue;
    /** The workload's `namespace/name`. */
    readonly key: string;
    /** `fallback.maxError`, read at each fit: the online error's weight in the queue's order. */
    readonly maxErrorPercent: () => number;
  };
  readonly clock: Clock;
  /** Told of every fit, for logs and metrics. */
  readonly onFit?: (event: FitEvent) => void;
}

/** One finished fit attempt. */
export type FitEvent =
  | {
      readonly ok: true;
      /** The model fitted (`auto` for auto). */
      readonly model: string;
      /** A selection or a refit of `auto`'s winner (else `fit`), and why this kind. */
      readonly kind: FitKind;
      readonly why: string;
      /** The model that forecasts now (`auto`'s choice, else the model), and the one that did before (null: none). */
      readonly chosen: string;
      readonly previous: string | null;
      /** `auto`'s backtest of its candidates; null for other models. */
      readonly selection: AutoSelection | null;
      readonly seconds: number;
      readonly saveError: string | null;
    }
  | {
      readonly ok: false;
      readonly model: string;
      readonly kind: FitKind;
      readonly why: string;
      /** The model that keeps serving; null when none does. */
      readonly serving: string | null;
      readonly error: string;
      readonly seconds: number;
    };

/** The holder's state as the status page shows it. */
export interface ModelStatus {
  readonly configured: string;
  /** The model serving forecasts now; null when none. */
  readonly current: string | null;
  readonly fittedAtSeconds: number | null;
  readonly trainStartSeconds: number | null;
  readonly trainEndSeconds: number | null;
  /** With `model: auto`: its stage (warm-up or full), the chosen model, why, and every candidate's score; else null. */
  readonly selection: AutoSelection | null;
  /** A fit is queued or running. */
  readonly retraining: boolean;
  /** The fit waits for a training slot (`loop.trainingConcurrency`). */
  readonly queuedForTraining: boolean;
  /**
   * How far past due the queued or running refit is, once beyond `REFIT_GRACE_SECONDS`: the last good model keeps
   * serving meanwhile. Null when no refit is late, and while no model serves (`problem` says why).
   */
  readonly refitLateSeconds: number | null;
  readonly lastRetrainError: string | null;
  readonly nextRetrainSeconds: number;
  /** Why no model serves (never trained, corrupt file, failed fits); null while one does. */
  readonly problem: string | null;
}

/**
 * Keeps one workload's fitted model fresh without ever blocking a forecast: `current` is always the last
 * good model; `maybeRetrain` starts a fit in the background when one is due and swaps the result in only
 * if it loads and forecasts finite values. A failed fit keeps the old model and is retried later.
 */
export class ModelHolder {
  private model: FittedForecaster | null = null;
  private fittedAtSeconds: number | null = null;
  private running: Promise<void> | null = null;
  /** When the queued or running fit fell due; null with none. */
  private runningDueSeconds: number | null = null;
  private queued = false;
  private lastRetrainError: string | null = null;
  private problem: string | null = 'no model trained yet';
  private nextDueSeconds = Number.NEGATIVE_INFINITY;
  /** `auto`'s winner above its drift limit since the last fit; null when not. */
  private drift: DriftMemory | null = null;
  private readonly abort = new AbortController();

  constructor(private readonly options: ModelHolderOptions) {}

  /** The model to forecast with now; null until the first fit (or a readable saved model). */
  get current(): FittedForecaster | null {
    return this.model;
  }

  /**
   * Reads the saved model at start. Missing: train at once. Corrupt or foreign: say so, train at once. A
   * readable one serves until its scheduled refresh (fittedAt + retrainEvery).
   */
  async loadSaved(nowSeconds: number): Promise<void> {
    const path = this.options.path;
    if (path === null) return;
    if ((await stat(path).catch(() => undefined)) === undefined) {
      this.problem = 'no model trained yet';
      return;
    }
    try {
      const model = await readFittedModel(path);
      const fittedAtSeconds = Date.parse(model.metadata.fittedAt) / 1000;
      this.install(model, Number.isFinite(fittedAtSeconds) ? fittedAtSeconds : nowSeconds);
    } catch (error) {
      this.problem = `saved model unusable (${(error as Error).message}); retraining`;
      this.nextDueSeconds = nowSeconds;
    }
  }

  /**
   * Starts a background fit if one is due and none is running; never waits for it. `onlineErrorPercent` (the
   * fallback's rolling error) tells a drifting `auto` winner, which brings its next selection forward.
   */
  maybeRetrain(
    nowSeconds: number,
    loadTrain: (signal: AbortSignal) => Promise<Series>,
    onlineErrorPercent: number | null = null,
  ): void {
    const selection = this.refittableSelection();
    const settings = this.options.autoRefit?.();
    if (selection !== null && settings !== undefined) {
      const limit = driftLimitPercent(selection, settings.maxErrorPercent);
      this.drift = trackDrift(this.drift, onlineErrorPercent, limit, nowSeconds);
    }
    if (this.running !== null || this.abort.signal.aborted) return;
    const planned = this.plannedFit(nowSeconds, selection, settings);
    if (planned === null) return;
    const refitOf = planned.kind === 'winner-refit' ? selection! : undefined;
    // Never fitted (no schedule yet): due now.
    const dueSeconds = Number.isFinite(this.nextDueSeconds) ? Math.min(this.nextDueSeconds, nowSeconds) : nowSeconds;
    const maxErrorPercent = this.options.queue?.maxErrorPercent();
    const ticket: FitTicket = {
      key: this.options.queue?.key ?? '',
      model: this.options.model,
      hasModel: this.model !== null,
      dueSeconds,
      errorRatio:
        onlineErrorPercent === null || maxErrorPercent === undefined ? null : onlineErrorPercent / maxErrorPercent,
    };
    this.runningDueSeconds = dueSeconds;
    this.running = this.retrain(loadTrain, planned, refitOf, ticket).finally(() => {
      this.running = null;
      this.runningDueSeconds = null;
    });
  }

  /** Resolves when no fit is running (tests and shutdown). */
  async whenIdle(): Promise<void> {
    await this.running;
  }

  /** Stops a running fit's data read and prevents new fits. */
  close(): void {
    this.abort.abort(new Error('service stopping'));
  }

  status(): ModelStatus {
    const metadata = this.model?.metadata;
    return {
      configured: this.options.model,
      current: this.model === null ? null : servingModelName(this.model),
      fittedAtSeconds: this.fittedAtSeconds,
      trainStartSeconds: metadata?.trainStartSeconds ?? null,
      trainEndSeconds: metadata?.trainEndSeconds ?? null,
      selection: this.model === null ? null : selectionOf(this.model),
      retraining: this.running !== null,
      queuedForTraining: this.queued,
      refitLateSeconds: this.refitLateSeconds(),
      lastRetrainError: this.lastRetrainError,
      nextRetrainSeconds: this.nextDueSeconds,
      problem: this.model === null ? this.problem : null,
    };
  }

  private refitLateSeconds(): number | null {
    if (this.model === null || this.runningDueSeconds === null) return null;
    const pastDueSeconds = this.options.clock.nowMs() / 1000 - this.runningDueSeconds;
    return pastDueSeconds > REFIT_GRACE_SECONDS ? pastDueSeconds : null;
  }

  /**
   * The serving model's selection when `auto` may refit its winner between selections: a full selection among
   * today's candidates (a winner no longer listed is not refitted); else null.
   */
  private refittableSelection(): AutoSelection | null {
    const selection = this.model === null ? null : selectionOf(this.model);
    const usable =
      this.options.model === 'auto' &&
      selection?.stage === 'full' &&
      this.options.autoCandidates.includes(selection.chosen);
    return usable ? selection : null;
  }

  /** The fit due at `nowSeconds` and its kind; null when none is. */
  private plannedFit(
    nowSeconds: number,
    selection: AutoSelection | null,
    settings: AutoRefitSettings | undefined,
  ): PlannedFit | null {
    if (selection !== null && settings !== undefined) {
      return nextAutoFit({ nowSeconds, scheduledSeconds: this.nextDueSeconds, selection, drift: this.drift, settings });
    }
    if (nowSeconds < this.nextDueSeconds) return null;
    const stage = this.model === null ? null : selectionOf(this.model)?.stage;
    const why = this.model === null ? 'no model yet' : stage === 'warm-up' ? 'warm-up stage' : 'refit schedule';
    return { kind: this.options.model === 'auto' ? 'selection' : 'fit', why };
  }

  private async retrain(
    loadTrain: (signal: AbortSignal) => Promise<Series>,
    planned: PlannedFit,
    refitOf: AutoSelection | undefined,
    ticket: FitTicket,
  ): Promise<void> {
    const { options } = this;
    const signal = this.abort.signal;
    let startedMs = options.clock.nowMs();
    // The fit's own time: the wait for a training slot is not part of it.
    const elapsedSeconds = () => (options.clock.nowMs() - startedMs) / 1000;
    let slot: TrainingSlot | null = null;
    try {
      slot = await this.waitForSlot(ticket, signal);
      startedMs = options.clock.nowMs();
      const train = await loadTrain(signal);
      const request = {
        model: options.model,
        candidates: options.autoCandidates,
        options: options.modelOptions,
        train,
        ...this.warmStart(),
      };
      const result = await options.trainer.fit(refitOf === undefined ? request : { ...request, refitOf }, signal);
      // Closed meanwhile (the workload removed or replaced): its model must not be installed or saved.
      if (signal.aborted) return;
      // Checked and serialized where it was fitted (`fitModel`): only the load runs on this thread.
      const model = loadFittedModel(result.saved, result.artifacts);
      const nowSeconds = options.clock.nowMs() / 1000;
      const previous = this.model === null ? null : servingModelName(this.model);
      this.install(model, nowSeconds);
      this.lastRetrainError = null;
      const saveError = await this.save(result.serialized);
      options.onFit?.({
        ok: true,
        model: model.metadata.model,
        ...planned,
        chosen: servingModelName(model),
        previous,
        selection: selectionOf(model),
        seconds: elapsedSeconds(),
        saveError,
      });
    } catch (error) {
      if (signal.aborted) return;
      const message = (error as Error).message ?? String(error);
      this.lastRetrainError = message;
      this.nextDueSeconds = options.clock.nowMs() / 1000 + options.retryAfterSeconds;
      if (this.model === null) this.problem = `no model: the fit failed (${message})`;
      options.onFit?.({
        ok: false,
        model: options.model,
        ...planned,
        serving: this.model === null ? null : servingModelName(this.model),
        error: message,
        seconds: elapsedSeconds(),
      });
    } finally {
      slot?.release();
    }
  }

  /** A slot of the training budget (none to wait for without a queue); `queuedForTraining` while waiting. */
  private async waitForSlot(ticket: FitTicket, signal: AbortSignal): Promise<TrainingSlot | null> {
    const queue = this.options.queue?.queue;
    if (queue === undefined) return null;
    this.queued = true;
    try {
      return await queue.acquire(ticket, signal);
    } finally {
      this.queued = false;
    }
  }

  /**
   * The serving model, for the refit to continue from, when it is the configured model (a neural network then
   * trains a few epochs from its weights if its settings match, else fits cold: `docs/neural.md`).
   */
  private warmStart(): { warmStart?: PortableModel } {
    const model = this.model;
    if (model === null || model.metadata.model !== this.options.model) return {};
    return { warmStart: { saved: model.toJSON(), artifacts: model.artifacts?.() } };
  }

  private install(model: FittedForecaster, fittedAtSeconds: number): void {
    this.model = model;
    this.fittedAtSeconds = fittedAtSeconds;
    this.problem = null;
    this.drift = null;
    this.nextDueSeconds = Math.min(fittedAtSeconds + this.options.retrainEverySeconds, warmUpRefitSeconds(model));
  }

  /** Saves atomically; a failure to save is reported, and the new model serves anyway. */
  private async save(model: SerializedModel): Promise<string | null> {
    const path = this.options.path;
    if (path === null) return null;
    try {
      // A folder model replacing a file model (or back) cannot be renamed over it: clear the old kind first.
      const existing = await stat(path).catch(() => undefined);
      const wantsFolder = model.files !== undefined;
      if (existing !== undefined && existing.isDirectory() !== wantsFolder) await rm(path, { recursive: true });
      await writeSerializedModel(model, path);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }
}

/** The model that actually forecasts: the one `auto` chose, else the model itself. */
export function servingModelName(model: FittedForecaster): string {
  return selectionOf(model)?.chosen ?? model.metadata.model;
}

/** `auto`'s record of its choice; null for a named model. */
function selectionOf(model: FittedForecaster): AutoSelection | null {
  return (model as { selection?: AutoSelection }).selection ?? null;
}

/**
 * When an `auto` model in warm-up is refitted: as soon as the history reaches its next stage (so a new workload gets
 * the full selection at 48 h, not 48 h + retrainEvery), counted from the end of its training data. Infinity otherwise.
 */
function warmUpRefitSeconds(model: FittedForecaster): number {
  const selection = selectionOf(model);
  if (selection?.stage !== 'warm-up' || selection.nextStageHistorySeconds === null) return Number.POSITIVE_INFINITY;
  return model.metadata.trainEndSeconds + selection.nextStageHistorySeconds - selection.historySeconds;
}
