import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESCALE_VERSION } from '../models/common.js';
import type { Provenance } from './results.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Packages whose versions change the numbers (models, charts, config parsing). */
const RECORDED_PACKAGES = ['@bsull/augurs', '@tensorflow/tfjs', 'onnxruntime-node', 'vega', 'vega-lite', 'zod'];

/** The installed version of a package, or `not installed`. */
function packageVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(resolve(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

/** The checkout's commit and whether it has uncommitted changes; null when git or the checkout is missing. */
export function gitState(): Provenance['git'] {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' });
  if (head.status !== 0) return null;
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { commit: head.stdout.trim(), dirty: status.status !== 0 || status.stdout.trim() !== '' };
}

/** Everything about this run that is not in its options: versions, commit, platform. */
export function collectProvenance(
  run: Omit<Provenance, 'prescaleVersion' | 'node' | 'platform' | 'packages' | 'git'>,
): Provenance {
  return {
    ...run,
    prescaleVersion: PRESCALE_VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    packages: Object.fromEntries(RECORDED_PACKAGES.map((name) => [name, packageVersion(name)])),
    git: gitState(),
  };
}
