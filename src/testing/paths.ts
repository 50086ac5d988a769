import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root, so tests and benchmarks find their files wherever they are run from. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared, read-only material beside the repo (`../shared`). */
export const sharedRoot = resolve(repoRoot, '../shared');

/** The one scorer for forecast accuracy. */
export const sharedScorerPath = resolve(sharedRoot, 'bench/score-forecasts.mjs');

/** The team's forecast benchmark (more datasets than the bundled one); tests pass it as `--datasets` explicitly. */
export const sharedDatasetsPath = resolve(sharedRoot, 'bench/datasets.json');
