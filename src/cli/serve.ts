import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { readConfigFile } from './config.js';
import type { RegisterCommand } from './run.js';

/**
 * `prescale serve --config prescale.yaml`: runs the service until SIGTERM or SIGINT — every workload's live
 * loop, the HTTP API, the KEDA external scaler and the External Metrics API — logging JSON lines (pino).
 */
export const registerServe: RegisterCommand = (program, run) => {
  program
    .command('serve')
    .description('run the service: forecast and plan every workload, publish through KEDA and the External Metrics API')
    .requiredOption('--config <file>', 'service configuration (YAML); see prescale config --print-defaults')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .action(
      run(async (opts: { config: string; logLevel: string }) => {
        const config = parseServiceConfigYaml(await readConfigFile(opts.config), opts.config);
        // Loaded here, not at CLI start: the service brings the models, ONNX Runtime and TensorFlow.
        const [{ PrescaleService }, { pino }] = await Promise.all([import('../predictor/index.js'), import('pino')]);
        const logger = pino({ level: opts.logLevel, base: { service: 'prescale' } });
        const service = await PrescaleService.start(config, { logger });
        const controller = new AbortController();
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'stopping');
          controller.abort();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        try {
          await service.run(controller.signal);
        } finally {
          await service.stop();
          logger.info({}, 'stopped');
        }
      }),
    );
};
