import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as changepoint from '@bsull/augurs/changepoint';
import * as ets from '@bsull/augurs/ets';
import * as mstl from '@bsull/augurs/mstl';
import * as outlier from '@bsull/augurs/outlier';
import * as prophet from '@bsull/augurs/prophet';
import * as seasons from '@bsull/augurs/seasons';
import * as transforms from '@bsull/augurs/transforms';

const augursModules = { changepoint, ets, mstl, outlier, prophet, seasons, transforms } as const;

/** The `@bsull/augurs` sub-packages Prescale uses; each ships its own `<name>_bg.wasm`. */
export type AugursModuleName = keyof typeof augursModules;

const initialized = new Set<AugursModuleName>();
const require = createRequire(import.meta.url);

/**
 * Returns an `@bsull/augurs` module ready to call. Its WASM is compiled from the `.wasm` file on disk with
 * `initSync` on first use (Node has no `fetch` of file URLs for the default async init), then cached.
 * The one place that initializes augurs, shared by the preprocessor (seasons) and the models (ets, mstl, prophet).
 */
export function loadAugurs<N extends AugursModuleName>(name: N): (typeof augursModules)[N] {
  const module = augursModules[name];
  if (!initialized.has(name)) {
    const wasmPath = require.resolve(`@bsull/augurs/${name}`).replace(/\.js$/, '_bg.wasm');
    module.initSync({ module: readFileSync(wasmPath) });
    initialized.add(name);
  }
  return module;
}
