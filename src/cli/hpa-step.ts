import { readFile } from 'node:fs/promises';
import { PrescaleError } from '../core/index.js';
import { parseHpaStepInput, reconcileHpa, toHpaStepOutput } from '../simulator/hpa/index.js';
import type { RegisterCommand } from './commands.js';

/** Reads the whole input: the named file, or stdin when no file (or "-") is given. */
async function readInput(file: string | undefined): Promise<{ text: string; source: string }> {
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
    throw new PrescaleError('invalid-input', 'stdin: no input; pipe one JSON object in or give a file', {
      field: 'stdin',
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return { text: Buffer.concat(chunks).toString('utf8'), source: 'stdin' };
}

/** Parses the JSON text, naming the source and position when it is not JSON. */
function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
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
}

/** `prescale hpa-step [file]`: one reconcile of the Kubernetes HPA controller, JSON in, JSON out. */
export const registerHpaStep: RegisterCommand = (program, run) => {
  program
    .command('hpa-step')
    .description(
      'run one reconcile of the Kubernetes HPA controller on a JSON object (spec/hpa-step.md) and print the ' +
        'decision, conditions and controller memory as JSON; feed "state" back in for the next reconcile',
    )
    .argument('[file]', 'input JSON file; stdin when absent or "-"')
    .action(
      run(async (file: string | undefined) => {
        const { text, source } = await readInput(file);
        const request = parseHpaStepInput(parseJson(text, source));
        const result = reconcileHpa(request.observation, request.state, request.nowSeconds);
        process.stdout.write(`${JSON.stringify(toHpaStepOutput(result), null, 2)}\n`);
      }),
    );
};
