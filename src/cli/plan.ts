import { parsePlanRequest } from '../config/plan-request.js';
import { systemClock } from '../core/index.js';
import { parseTimeSeconds } from '../core/units.js';
import { plan } from '../planner/index.js';
import { parseJsonText, readInputText } from './json-input.js';
import type { RegisterCommand } from './run.js';

/**
 * Runs `prescale plan` on request text: parses it (every issue reported, prefixed by the source), plans,
 * and returns the JSON printed. `nowOverride` replaces the request's `nowSeconds`. Exported for tests.
 */
export function planRequestText(text: string, source: string, nowOverride?: number): string {
  let json = parseJsonText(text, source);
  if (nowOverride !== undefined && typeof json === 'object' && json !== null && !Array.isArray(json)) {
    json = { ...json, nowSeconds: nowOverride };
  }
  const result = plan(parsePlanRequest(json));
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** `prescale plan [file]`: from a forecast, current state, workload profile and policy to replicas and resources. */
export const registerPlan: RegisterCommand = (program, run) => {
  program
    .command('plan')
    .description(
      'plan replicas (now and over the horizon) and CPU/memory requests from a JSON request (docs/planner.md), ' +
        'each decision with its reason; feed "state" back in for the next decision',
    )
    .argument('[file]', 'request JSON file; stdin when absent or "-"')
    .option('--now <time>', 'decision time (unix seconds, RFC 3339 or "now"), replacing the request\'s nowSeconds')
    .action(
      run(async (file: string | undefined, opts: { now?: string }) => {
        const { text, source } = await readInputText(file, 'a plan request (JSON)');
        const now =
          opts.now === undefined ? undefined : parseTimeSeconds(opts.now, '--now', systemClock.nowMs() / 1000);
        process.stdout.write(planRequestText(text, source, now));
      }),
    );
};
