import { defaultServiceConfigYaml, parseServiceConfigYaml } from '../config/service-yaml.js';
import { PrescaleError } from '../core/index.js';
import { readNamedText } from '../core/named-file.js';
import type { RegisterCommand } from './run.js';

/** Reads a config file, naming it and the fix when it cannot be read. */
export function readConfigFile(path: string): Promise<string> {
  return readNamedText(path, {
    field: path,
    what: 'the config',
    fix: `check the path, or write one with prescale config --print-defaults > ${path}`,
  });
}

/**
 * `prescale config`: prints the full default service configuration as YAML (`--print-defaults`), or checks a
 * file and lists every problem as `<file>:<line>: <path>: <problem>; <fix>` (`--validate FILE`).
 */
export const registerConfig: RegisterCommand = (program, run) => {
  program
    .command('config')
    .description('print the default service configuration, or validate a configuration file')
    .option('--print-defaults', 'print the full default configuration as YAML (every field, one example workload)')
    .option('--validate <file>', 'check a configuration file and report every problem with its line')
    .action(
      run(async (opts: { printDefaults?: boolean; validate?: string }) => {
        if (opts.printDefaults === undefined && opts.validate === undefined) {
          throw new PrescaleError('invalid-input', 'config: nothing to do; pass --print-defaults or --validate FILE', {
            field: 'config',
          });
        }
        if (opts.printDefaults) process.stdout.write(defaultServiceConfigYaml());
        if (opts.validate !== undefined) {
          const config = parseServiceConfigYaml(await readConfigFile(opts.validate), opts.validate);
          const workloads = config.workloads.map(
            (w) => `${w.resource.namespace}/${w.resource.name} (model ${w.resource.model}, ${w.resource.integration})`,
          );
          process.stdout.write(
            `${opts.validate}: valid; ${workloads.length} workload${workloads.length === 1 ? '' : 's'}${workloads.length ? `: ${workloads.join(', ')}` : ''}\n`,
          );
        }
      }),
    );
};
