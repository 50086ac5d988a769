import { predictiveAutoscalerCrdYaml } from '../config/crd.js';
import type { RegisterCommand } from './run.js';

/** `prescale crd`: the PredictiveAutoscaler CustomResourceDefinition, generated from the workload schema. */
export const registerCrd: RegisterCommand = (program, run) => {
  program
    .command('crd')
    .description(
      'print the PredictiveAutoscaler CustomResourceDefinition as YAML, generated from the same schema that reads ' +
        'the service config (the file in k8s/crd/ is this output): prescale crd | kubectl apply -f -',
    )
    .action(
      run(async () => {
        process.stdout.write(predictiveAutoscalerCrdYaml());
      }),
    );
};
