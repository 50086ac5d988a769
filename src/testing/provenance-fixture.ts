import type { Provenance } from '../experiments/results.js';

/**
 * The provenance of an experiment run in a test: a fixed start, version and platform, no git and no packages, so
 * reports and result files compare byte for byte; `run` gives what the run itself did.
 */
export function testProvenance(
  run: Pick<Provenance, 'command' | 'datasetsFile' | 'seeds' | 'policies' | 'limitSeconds' | 'config'>,
): Provenance {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    prescaleVersion: '0.1.0',
    node: process.version,
    platform: 'test',
    packages: {},
    git: null,
    ...run,
  };
}
