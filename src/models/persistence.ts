import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../collector/atomic-write.js';
import { PrescaleError } from '../core/index.js';
import { loadFittedModel } from './registry.js';
import type { FittedForecaster, SavedModel } from './types.js';

/** Saves a fitted model as one JSON file (metadata + parameters), atomically. */
export async function saveFittedModel(model: FittedForecaster, path: string): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(model.toJSON())}\n`, 'model file');
}

/** Loads a model saved by `saveFittedModel`; a corrupt or foreign file is refused with the field named. */
export async function readFittedModel(path: string): Promise<FittedForecaster> {
  let saved: SavedModel;
  try {
    saved = JSON.parse(await readFile(path, 'utf8')) as SavedModel;
  } catch (error) {
    throw new PrescaleError(
      'model-mismatch',
      `${path}: not a readable model file (${(error as Error).message}); save the model again`,
      {
        field: path,
        cause: error,
      },
    );
  }
  try {
    return loadFittedModel(saved);
  } catch (error) {
    if (error instanceof PrescaleError) {
      throw new PrescaleError(error.code, `${path}: ${error.message}`, { field: error.field, cause: error });
    }
    throw error;
  }
}
