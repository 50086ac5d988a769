import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { issueLines, safeParseWithIssues } from '../core/issues.js';
import { ceemdan, type Decomposition, loadAugurs, meanPeriodSteps } from '../preprocessor/index.js';
import { aggregateToCoarse, coarseFactor, coarseForecastPath, filledCoarse } from './coarse-grid.js';
import { ETS_SPEC } from './ets.js';
import { mstlPeriods } from './mstl.js';
import { type BaseModelPlanner, defineCorrectedModel } from './residual-correction.js';
import type { Forecaster, ModelDefinition, ModelName, ModelOptions } from './types.js';

// Why the decomposition happens inside the base fit: the literature's leak is to decompose the whole series and then
// forecast its modes; here each fit decomposes its own training window only (the coarse means `fitPath` receives),
// and a forecast conditions on the data up to its origin through the shared residual correction, never through a
// decomposition of anything later.

const positiveInt = (max: number) => z.number().int().min(1).max(max);

/** Every setting of the CEEMDAN forecasters, with its default; recorded in the fitted model's metadata. */
export const ceemdanModelSettingsSchema = z.strictObject({
  /** Noise realisations averaged per mode (I). */
  ensembleSize: positiveInt(1000).default(50),
  /** ε: noise standard deviation relative to the signal's (first mode) or the residue's (later modes). */
  noiseStd: z.number().gt(0).max(2).default(0.2),
  seed: z.number().int().min(0).max(0xffff_ffff).default(1),
  /** At most this many modes; absent: ⌊log2 n⌋ of the coarse training series. */
  maxModes: positiveInt(64).optional(),
  stopping: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('cauchy'), threshold: z.number().gt(0).lt(1) }),
      z.strictObject({ kind: z.literal('s-number'), s: positiveInt(20) }),
    ])
    .default({ kind: 'cauchy', threshold: 0.2 }),
  maxSiftings: positiveInt(1000).default(100),
  /** `ceemdan-ets`: modes whose mean period is shorter than this go to the fast model, the others to `slowModel`. */
  highFrequencyPeriodSeconds: z
    .number()
    .positive()
    .default(3 * 3600),
  /** `ceemdan-denoise`: the first modes (the noisiest) dropped from the training data. */
  droppedModes: positiveInt(10).default(1),
  /** The model of the slow part (`ceemdan-ets`) or of the denoised data (`ceemdan-denoise`). */
  slowModel: z.enum(['ets', 'mstl']).default('mstl'),
});

/** The parsed settings. */
export type CeemdanModelSettings = z.output<typeof ceemdanModelSettingsSchema>;

/** Options of the CEEMDAN forecasters: the shared ones plus overrides of `ceemdanModelSettingsSchema`'s defaults. */
export interface CeemdanOptions extends ModelOptions {
  readonly settings?: z.input<typeof ceemdanModelSettingsSchema>;
}

/** Parses settings once, reporting every problem with its field. */
export function parseCeemdanSettings(model: ModelName, input: unknown): CeemdanModelSettings {
  const parsed = safeParseWithIssues(ceemdanModelSettingsSchema, input ?? {}, ['settings']);
  if (parsed.success) return parsed.data;
  throw new PrescaleError('invalid-input', `${model}: invalid settings\n${issueLines(parsed.issues, '  ')}`, {
    field: parsed.issues[0].path,
  });
}

/** A fitted augurs model's forecast of n steps from the end of the values it was fitted on. */
type CoarsePredictor = (steps: number) => ArrayLike<number>;

/** Fits AutoETS or MSTL (ETS trend) on coarse values; the augurs object is freed once the predictions are taken. */
function fitAugurs(kind: 'ets' | 'mstl', values: Float64Array, periods: number[], steps: number): Float64Array {
  const model = kind === 'ets' ? new (loadAugurs('ets').AutoETS)(1, ETS_SPEC) : loadAugurs('mstl').MSTL.ets(periods);
  try {
    model.fit(values);
    return Float64Array.from(model.predict(steps).point);
  } finally {
    model.free();
  }
}

/** Sum of the decomposition's parts selected by `keep` (the residue always kept). */
function sumOfParts(decomposition: Decomposition, keep: (mode: Float64Array, k: number) => boolean): Float64Array {
  const sum = Float64Array.from(decomposition.residue);
  decomposition.modes.forEach((mode, k) => {
    if (keep(mode, k)) for (let t = 0; t < sum.length; t++) sum[t] += mode[t];
  });
  return sum;
}

/**
 * How a CEEMDAN forecaster turns the decomposed coarse training window into a coarse forecast, given its settings,
 * the coarse step and MSTL's periods.
 */
type ModeForecast = (
  decomposition: Decomposition,
  settings: CeemdanModelSettings,
  coarseStepSeconds: number,
  periods: number[],
) => CoarsePredictor;

/** The base of a CEEMDAN forecaster: decompose the coarse training means, forecast them by `modeForecast`. */
function planCeemdanBase(settings: CeemdanModelSettings, modeForecast: ModeForecast): BaseModelPlanner {
  return (train, { seasonSeconds }) => {
    const factor = coarseFactor(train.stepSeconds, seasonSeconds);
    const coarseStepSeconds = factor * train.stepSeconds;
    const periods = mstlPeriods(train, seasonSeconds, coarseStepSeconds);
    const sift = { stopping: settings.stopping, maxSiftings: settings.maxSiftings };
    return {
      settings: { ...settings, coarseStepSeconds, periods },
      // MSTL's two cycles of its longest period; ETS needs less, but one rule keeps the two variants comparable
      minTrainSeconds: 2 * Math.max(...periods) * coarseStepSeconds,
      fitPath: (data, pathEndSeconds) => {
        const coarse = filledCoarse(aggregateToCoarse(data, factor), seasonSeconds);
        const decomposition = ceemdan(coarse, { ...settings, sift });
        const predict = modeForecast(decomposition, settings, coarseStepSeconds, periods);
        return coarseForecastPath(data, coarseStepSeconds, pathEndSeconds, predict);
      },
    };
  };
}

/** A CEEMDAN forecaster's registry entry: `create` also takes its settings. */
export interface CeemdanModelDefinition extends ModelDefinition {
  create(options?: CeemdanOptions): Forecaster;
}

/** Defines a CEEMDAN forecaster: settings parsed at `create`, the rest is the shared corrected model. */
function defineCeemdanModel(name: ModelName, description: string, modeForecast: ModeForecast): CeemdanModelDefinition {
  const loader = defineCorrectedModel(
    name,
    description,
    planCeemdanBase(ceemdanModelSettingsSchema.parse({}), modeForecast),
  );
  return {
    name,
    description,
    create: (options?: CeemdanOptions) =>
      defineCorrectedModel(
        name,
        description,
        planCeemdanBase(parseCeemdanSettings(name, options?.settings), modeForecast),
      ).create(options),
    load: loader.load,
  };
}

/**
 * Decompose, forecast the groups, sum: modes faster than `highFrequencyPeriodSeconds` summed and forecast by AutoETS
 * (a fast model: on zero-mean oscillations it forecasts their recent level), the slower modes plus the residue
 * summed and forecast by MSTL (or AutoETS), which keeps the daily cycle.
 */
export const ceemdanEtsModel = defineCeemdanModel(
  'ceemdan-ets',
  'CEEMDAN of 15-minute means: fast modes by AutoETS, slow modes + residue by MSTL, summed; corrected by recent residuals',
  (decomposition, settings, coarseStepSeconds, periods) => {
    const isFast = (mode: Float64Array) =>
      meanPeriodSteps(mode) * coarseStepSeconds < settings.highFrequencyPeriodSeconds;
    const fastModes = decomposition.modes.filter(isFast);
    const fast = new Float64Array(decomposition.residue.length);
    for (const mode of fastModes) for (let t = 0; t < fast.length; t++) fast[t] += mode[t];
    const slow = sumOfParts(decomposition, (mode) => !isFast(mode));
    return (steps) => {
      const slowPath = fitAugurs(settings.slowModel, slow, periods, steps);
      if (fastModes.length === 0) return slowPath;
      const fastPath = fitAugurs('ets', fast, periods, steps);
      return slowPath.map((v, i) => v + fastPath[i]);
    };
  },
);

/** Denoise, then forecast: the first `droppedModes` modes removed from the training data, MSTL (or ETS) on the rest. */
export const ceemdanDenoiseModel = defineCeemdanModel(
  'ceemdan-denoise',
  'MSTL on 15-minute means with the first CEEMDAN mode(s) removed; corrected by recent residuals',
  (decomposition, settings, _coarseStepSeconds, periods) => {
    const denoised = sumOfParts(decomposition, (_mode, k) => k >= settings.droppedModes);
    return (steps) => fitAugurs(settings.slowModel, denoised, periods, steps);
  },
);
