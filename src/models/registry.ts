import { PrescaleError } from '../core/index.js';
import { naiveModel, seasonalNaiveModel } from './naive.js';
import type { FittedForecaster, ModelDefinition, ModelName, SavedModel } from './types.js';

/** Every model by name, alphabetical. Adding a model is its file, its test and one line here. */
export const modelRegistry = {
  naive: naiveModel,
  'seasonal-naive': seasonalNaiveModel,
} satisfies Partial<Record<ModelName, ModelDefinition>>;

/** Names accepted by `--model`, in registry order. */
export const modelNames = Object.keys(modelRegistry) as (keyof typeof modelRegistry)[];

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

/** Rebuilds a fitted model from its saved JSON, dispatching on `metadata.model`. */
export function loadFittedModel(saved: SavedModel): FittedForecaster {
  return modelDefinition(String(saved?.metadata?.model), 'metadata.model').load(saved);
}
