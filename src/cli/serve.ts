import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { PrescaleError, systemClock } from '../core/index.js';
import type { WorkloadRunner } from '../operator/controller.js';
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
    .option(
      '--watch [namespaces]',
      'take the workloads from PredictiveAutoscaler resources in the cluster (all namespaces, or a comma list), ' +
        'through the in-cluster service account or KUBECONFIG; the config file then lists no workloads',
    )
    .option(
      '--scaler-address <host:port>',
      "how KEDA reaches this service's external scaler, written into the ScaledObjects it owns",
      'prescale.prescale.svc:9000',
    )
    .action(
      run(async (opts: { config: string; logLevel: string; watch?: string | true; scalerAddress: string }) => {
        const config = parseServiceConfigYaml(await readConfigFile(opts.config), opts.config);
        if (opts.watch !== undefined && config.workloads.length > 0) {
          throw new PrescaleError(
            'invalid-input',
            `--watch: ${opts.config} lists ${config.workloads.length} workloads; with --watch they come from PredictiveAutoscaler resources, so remove workloads: from the file or drop --watch`,
            { field: '--watch' },
          );
        }
        // Loaded here, not at CLI start: the service brings the models, ONNX Runtime and TensorFlow.
        const [{ PrescaleService }, { pino }] = await Promise.all([import('../predictor/index.js'), import('pino')]);
        const logger = pino({ level: opts.logLevel, base: { service: 'prescale' } });
        const service = await PrescaleService.start(config, { logger });
        const watcher =
          opts.watch === undefined ? null : await startWatching(service, opts.watch, opts.scalerAddress, logger);
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
          await watcher?.stop();
          await service.stop();
          logger.info({}, 'stopped');
        }
      }),
    );
};

/** Starts the PredictiveAutoscaler controller in front of the service (loaded only with `--watch`). */
async function startWatching(
  service: WorkloadRunner,
  watch: string | true,
  scalerAddress: string,
  logger: {
    info(fields: object, message: string): void;
    warn(fields: object, message: string): void;
    error(fields: object, message: string): void;
  },
): Promise<{ stop(): Promise<void> }> {
  const [{ PredictiveAutoscalerController }, { KubeConfig }] = await Promise.all([
    import('../operator/controller.js'),
    import('@kubernetes/client-node'),
  ]);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const namespaces = watch === true ? null : watch.split(',').map((namespace) => namespace.trim());
  const controller = new PredictiveAutoscalerController({
    kubeConfig,
    service,
    scalerAddress,
    namespaces,
    clock: systemClock,
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  });
  await controller.start();
  logger.info({ namespaces: namespaces ?? 'all' }, 'watching PredictiveAutoscalers');
  return controller;
}
