import { PrescaleError } from '../core/index.js';
import { defineAutoModel } from './auto.js';
import { ceemdanDenoiseModel, ceemdanEtsModel } from './ceemdan.js';
import { etsModel } from './ets.js';
import { mstlModel } from './mstl.js';
import { naiveModel, seasonalNaiveModel } from './naive.js';
import { MODEL_NAMES, type ModelName } from './names.js';
import { gruModel } from './neural/gru.js';
import { lstmModel } from './neural/lstm.js';
import { prophetLstmModel } from './neural/prophet-lstm.js';
import { prophetModel } from './prophet.js';
import type { FittedForecaster, ModelDefinition, SavedModel } from './types.js';

/**
 * Models `auto` considers only when named in its candidates: the CEEMDAN forecasters did not beat the other
 * candidates on the dev datasets for their fit cost (docs/models.md).
 */
const OPT_IN_AUTO_CANDIDATES: readonly ModelName[] = ['ceemdan-denoise', 'ceemdan-ets'];

/** Every model by name, alphabetical. Adding a model is its file, its test and one line here. */
export const modelRegistry = {
  auto: defineAutoModel(modelDefinition, (): readonly string[] =>
    modelNames.filter((name) => !OPT_IN_AUTO_CANDIDATES.includes(name)),
  ),
  'ceemdan-denoise': ceemdanDenoiseModel,
  'ceemdan-ets': ceemdanEtsModel,
  ets: etsModel,
  gru: gruModel,
  lstm: lstmModel,
  mstl: mstlModel,
  naive: naiveModel,
  prophet: prophetModel,
  'prophet-lstm': prophetLstmModel,
  'seasonal-naive': seasonalNaiveModel,
} satisfies Record<ModelName, ModelDefinition>;

/** Names accepted by `--model`, alphabetical (the registry covers every one). */
export const modelNames: readonly ModelName[] = MODEL_NAMES;

/** The definition of a model named by a user; the error lists the known names. */
export function modelDefinition(name: string, field = '--model'): ModelDefinition {
  const definition = (modelRegistry as Record<string, ModelDefinition>)[name];
  if (!definition) {
    throw new PrescaleError('unknown-model', `${field}: unknown model '${name}'; use one of ${modelNames.join(', ')}`, {
      field,
    });
  }
  return definition;
}

/** Rebuilds a fitted model from its saved JSON (and a folder model's files), dispatching on `metadata.model`. */
export function loadFittedModel(saved: SavedModel, artifacts?: Readonly<Record<string, Uint8Array>>): FittedForecaster {
  return modelDefinition(String(saved?.metadata?.model), 'metadata.model').load(saved, artifacts);
}
