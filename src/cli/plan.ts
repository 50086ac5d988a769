import { readFile } from 'node:fs/promises';
import { parsePlanRequest } from '../config/plan-request.js';
import { parseTimeSeconds } from '../config/units.js';
import { PrescaleError, systemClock } from '../core/index.js';
import { plan } from '../planner/index.js';
import type { RegisterCommand } from './commands.js';

/** Reads the request text from the named file, or from stdin when the file is absent or "-". */
async function readRequestText(file: string | undefined): Promise<{ text: string; source: string }> {
  if (file !== undefined && file !== '-') {
    try {
      return { text: await readFile(file, 'utf8'), source: file };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new PrescaleError('io-error', `${file}: cannot read it (${code}); check the path`, {
        field: file,
        cause: error,
      });
    }
  }
  if (process.stdin.isTTY) {
    throw new PrescaleError('invalid-input', 'stdin: no input; pipe a plan request (JSON) in or give a file', {
      field: 'stdin',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return { text: Buffer.concat(chunks).toString('utf8'), source: 'stdin' };
}

/**
 * Runs `prescale plan` on request text: parses it (every issue reported, prefixed by the source), plans,
 * and returns the JSON printed. `nowOverride` replaces the request's `nowSeconds`. Exported for tests.
 */
export function planRequestText(text: string, source: string, nowOverride?: number): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PrescaleError(
      'malformed-file',
      `${source}: not valid JSON (${(error as Error).message}); fix the syntax`,
      {
        field: source,
        cause: error,
      },
    );
  }
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
        const { text, source } = await readRequestText(file);
        const now =
          opts.now === undefined ? undefined : parseTimeSeconds(opts.now, '--now', systemClock.nowMs() / 1000);
        process.stdout.write(planRequestText(text, source, now));
      }),
    );
};
