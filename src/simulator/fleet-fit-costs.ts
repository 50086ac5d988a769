import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PrescaleError } from '../core/index.js';
import { issueLines, safeParseWithIssues } from '../core/issues.js';
import { readNamedJson } from '../core/named-file.js';
import type { FitCost, FitCosts } from './training-fleet.js';

/**
 * The fleet simulation's CPU per fit, read from the one file the cost benchmark writes (`docs/models-cost.json`), so
 * the simulation, the sizing rule and the operator's sizing table share their figures.
 */

/** The file and the command that writes it, as an error names them. */
export const MODELS_COST_PATH = fileURLToPath(new URL('../../docs/models-cost.json', import.meta.url));
export const MODELS_COST_COMMAND = 'npx tsx bench/models-cost.bench.ts --write-docs';

/** The trace whose costs the fleet is charged: 14 days of 1-minute data, the default history at the finest step. */
export const FLEET_COST_DATASET = 'nasa-jul95';

const seconds = z.number().finite().nonnegative();

/** The part of the cost report (`bench/models-cost-sizing.ts`, `CostReport`) the simulation reads. */
const costReportSchema = z.object({
  measuredAt: z.string(),
  traces: z.array(
    z.object({
      dataset: z.string(),
      stepSeconds: z.number().positive(),
      models: z.array(
        z.object({
          model: z.string(),
          fitCpuSeconds: seconds,
          cheapRefitCpuSeconds: seconds.nullable(),
          refitsPerFullFit: z.number().int().positive().nullable(),
        }),
      ),
    }),
  ),
});

/**
 * The fit costs of `models` on `dataset` in a parsed cost report. A model's first fit is its full fit; a scheduled
 * refit its cheap refit when it has one (a neural model's warm start from the serving network, `auto`'s winner
 * alone), else its full fit; `auto`, whose full fit comes once every `refitsPerFullFit` refits, runs it as the
 * selection on the simulation's own `reselectEvery`. Every missing model is named at once, with the command that
 * measures it.
 */
export function fleetFitCostsFromReport(
  json: unknown,
  models: readonly string[],
  dataset = FLEET_COST_DATASET,
  source = 'docs/models-cost.json',
): FitCosts {
  const parsed = safeParseWithIssues(costReportSchema, json);
  if (!parsed.success) {
    throw new PrescaleError(
      'malformed-file',
      `${issueLines(parsed.issues, `${source}: `)}\nre-create it with \`${MODELS_COST_COMMAND}\``,
      { field: source },
    );
  }
  const trace = parsed.data.traces.find((t) => t.dataset === dataset);
  const measured = new Map(trace?.models.map((m) => [m.model, m]));
  const missing = models.filter((model) => !measured.has(model));
  if (missing.length > 0) {
    throw new PrescaleError(
      'unknown-model',
      `${source} has no cost of ${missing.join(', ')} on ${dataset}; measure ${missing.length > 1 ? 'them' : 'it'} with \`${MODELS_COST_COMMAND}\``,
      { field: missing[0] },
    );
  }
  const where = `${source} (${dataset}, ${trace!.stepSeconds} s step, measured ${parsed.data.measuredAt})`;
  return Object.fromEntries(
    models.map((model) => {
      const m = measured.get(model)!;
      const cost: FitCost = {
        model,
        firstFitCpuSeconds: m.fitCpuSeconds,
        refitCpuSeconds: m.cheapRefitCpuSeconds ?? m.fitCpuSeconds,
        selectionCpuSeconds: m.refitsPerFullFit !== null && m.refitsPerFullFit > 1 ? m.fitCpuSeconds : null,
        source: where,
      };
      return [model, cost];
    }),
  );
}

/** `fleetFitCostsFromReport` over the file (`docs/models-cost.json` by default). */
export async function readFleetFitCosts(
  models: readonly string[],
  path = MODELS_COST_PATH,
  dataset = FLEET_COST_DATASET,
): Promise<FitCosts> {
  const json = await readNamedJson(path, { field: path, fix: `write it with \`${MODELS_COST_COMMAND}\`` });
  return fleetFitCostsFromReport(json, models, dataset, path === MODELS_COST_PATH ? 'docs/models-cost.json' : path);
}
