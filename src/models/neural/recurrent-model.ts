import { PrescaleError, type Series } from '../../core/index.js';
import { lastObservedIndex } from '../common.js';
import type { FitOptions, FittedForecaster, Forecaster, ModelDefinition, ModelName } from '../types.js';
import { fitNeural } from './fit.js';
import { loadNeural } from './fitted-neural.js';
import type { RecurrentCell } from './network.js';
import { type NeuralOptions, resolveNeuralSettings } from './settings.js';
import { resolveNetworkStart } from './warm-start.js';

/** A plain recurrent forecaster: one training segment (the whole series) around the scaler's mean. */
class RecurrentForecaster implements Forecaster {
  constructor(
    readonly name: ModelName,
    private readonly cell: RecurrentCell,
    private readonly options: NeuralOptions = {},
  ) {}

  async fit(train: Series, signal?: AbortSignal, fitOptions?: FitOptions): Promise<FittedForecaster> {
    if (lastObservedIndex(train.values) < 0) {
      throw new PrescaleError('not-enough-data', `${this.name}: the training series has no observed value`, {
        field: this.name,
      });
    }
    const settings = resolveNeuralSettings(this.cell, train, this.options);
    let sum = 0;
    let n = 0;
    for (const v of train.values) {
      if (!Number.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    const mean = sum / n;
    const plan = {
      start: resolveNetworkStart(this.name, settings, train.stepSeconds, fitOptions?.warmStart),
      segments: [
        {
          series: train,
          base: new Float64Array(train.values.length).fill(mean),
          firstOrigin: settings.windowSteps,
          endOrigin: train.values.length,
        },
      ],
      base: { kind: 'constant' as const, value: mean },
    };
    return fitNeural(this.name, train, settings, plan, this.options, signal);
  }
}

/** The registry entry of a plain recurrent model (`lstm`, `gru`). */
export function defineRecurrentModel(name: ModelName, cell: RecurrentCell, description: string): ModelDefinition {
  return {
    name,
    description,
    create: (options) => new RecurrentForecaster(name, cell, options as NeuralOptions | undefined),
    load: (saved, artifacts) => loadNeural(name, saved, artifacts),
  };
}
