import { parseHpaStepInput, toHpaStepOutput } from '../config/hpa-step.js';
import { reconcileHpa } from '../hpa/index.js';
import { readJsonInput } from './json-input.js';
import type { RegisterCommand } from './run.js';

/** `prescale hpa-step [file]`: one reconcile of the Kubernetes HPA controller, JSON in, JSON out. */
export const registerHpaStep: RegisterCommand = (program, run) => {
  program
    .command('hpa-step')
    .description(
      'run one reconcile of the Kubernetes HPA controller on a JSON object (docs/hpa-step.md) and print the ' +
        'decision, conditions and controller memory as JSON; feed "state" back in for the next reconcile',
    )
    .argument('[file]', 'input JSON file; stdin when absent or "-"')
    .action(
      run(async (file: string | undefined) => {
        const { json } = await readJsonInput(file, 'one JSON object (docs/hpa-step.md)');
        const request = parseHpaStepInput(json);
        const result = reconcileHpa(request.observation, request.state, request.nowSeconds);
        process.stdout.write(`${JSON.stringify(toHpaStepOutput(result), null, 2)}\n`);
      }),
    );
};
