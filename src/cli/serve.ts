import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type ServiceConfig, trainingConcurrencySchema } from '../config/service.js';
import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { PrescaleError, systemClock } from '../core/index.js';
import type { RemoteDecisions } from '../executor/types.js';
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
      '--leader-election',
      'with --watch: run as one of several replicas; only the leader (a coordination.k8s.io Lease) writes owned ' +
        'objects and status, every replica answers KEDA and the External Metrics API',
    )
    .option(
      '--shards',
      'with --watch: run as one of several replicas that share the resources, each running and writing only its ' +
        'share (a Lease per replica, rendezvous hashing); the doors of every replica answer for all, forwarding to ' +
        'the owner. Replaces --leader-election',
    )
    .option(
      '--shard-address <host:port>',
      "with --shards: where the other replicas reach this one's HTTP API (default: env POD_IP and the API's port)",
    )
    .option(
      '--leader-election-namespace <namespace>',
      "the namespace of the leader's or the shard members' Leases (default: env POD_NAMESPACE, else prescale)",
    )
    .option(
      '--training-concurrency <n>',
      'fits run at once (worker threads with loop.trainer worker, about a core each); the others queue, a new ' +
        "workload's first fit ahead of refits (default: the config's loop.trainingConcurrency, 1)",
    )
    .option(
      '--scaler-address <host:port>',
      "how KEDA reaches this service's external scaler, written into the ScaledObjects it owns",
      'prescale.prescale.svc:9000',
    )
    .action(
      run(async (opts: ServeOptions) => {
        const config = withTrainingConcurrency(
          parseServiceConfigYaml(await readConfigFile(opts.config), opts.config),
          opts.trainingConcurrency,
        );
        if (opts.leaderElection === true && opts.watch === undefined) {
          throw new PrescaleError(
            'invalid-input',
            '--leader-election: only the PredictiveAutoscaler controller elects a leader; add --watch',
            { field: '--leader-election' },
          );
        }
        if (opts.shards === true && opts.watch === undefined) {
          throw new PrescaleError(
            'invalid-input',
            '--shards: only the PredictiveAutoscaler controller shares resources among replicas; add --watch',
            { field: '--shards' },
          );
        }
        if (opts.shards === true && opts.leaderElection === true) {
          throw new PrescaleError(
            'invalid-input',
            '--shards: each shard has its own writer, so there is no leader to elect; drop --leader-election',
            { field: '--shards' },
          );
        }
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
        // Handlers first: a SIGTERM while the service starts stops it cleanly instead of killing the process.
        const controller = new AbortController();
        const stop = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'stopping');
          controller.abort();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        const trainer =
          config.loop.trainer === 'job'
            ? await (await import('../operator/job-trainer.js')).startJobTrainerInPod(
                config,
                process.env,
                systemClock,
                (level, message, fields) => logger[level](fields ?? {}, message),
              )
            : undefined;
        const service = await PrescaleService.start(config, { logger, trainer });
        let watcher: { stop(): Promise<void> } | null = null;
        try {
          if (opts.watch === undefined) {
            // The config file is the whole set: models of workloads it no longer lists are of no use.
            await service.pruneSavedModels(
              new Set(config.workloads.map((w) => `${w.resource.namespace}/${w.resource.name}`)),
            );
          }
          const { watch } = opts;
          if (watch !== undefined) {
            const shardAddress = opts.shardAddress ?? `${process.env.POD_IP ?? hostname()}:${service.ports.api}`;
            watcher = await startWatching(service, { ...opts, watch, shardAddress }, logger);
          }
          await service.run(controller.signal);
        } finally {
          await watcher?.stop();
          await service.stop();
          logger.info({}, 'stopped');
        }
      }),
    );
};

interface ServeOptions {
  config: string;
  logLevel: string;
  watch?: string | true;
  leaderElection?: true;
  leaderElectionNamespace?: string;
  shards?: true;
  shardAddress?: string;
  scalerAddress: string;
  trainingConcurrency?: string;
}

/** The config with `--training-concurrency` in place of `loop.trainingConcurrency`, checked by the same rule. */
function withTrainingConcurrency(config: ServiceConfig, flag: string | undefined): ServiceConfig {
  if (flag === undefined) return config;
  const parsed = trainingConcurrencySchema.safeParse(flag.trim() === '' ? Number.NaN : Number(flag));
  if (!parsed.success) {
    throw new PrescaleError('invalid-input', `--training-concurrency: ${flag} ${parsed.error.issues[0].message}`, {
      field: '--training-concurrency',
    });
  }
  return { ...config, loop: { ...config.loop, trainingConcurrency: parsed.data } };
}

interface Logger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The Lease replicas of one install campaign for. */
const LEASE_NAME = 'prescale-leader';

/**
 * Starts the PredictiveAutoscaler controller in front of the service (loaded only with `--watch`), and with
 * `--leader-election` campaigns for the Lease, with `--shards` joins the members: stopping stops the controller
 * first, then releases the Lease, so the next leader (the other members) takes over at its next try and no write
 * follows the release.
 */
async function startWatching(
  service: WorkloadRunner & { forwardTo(remote: RemoteDecisions): void },
  opts: ServeOptions & { watch: string | true; shardAddress: string },
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const [
    { PredictiveAutoscalerController },
    { LeaderElector },
    { ShardMembership },
    { ShardForwarding },
    { KubeConfig },
  ] = await Promise.all([
    import('../operator/controller.js'),
    import('../operator/leader-election.js'),
    import('../operator/shard-membership.js'),
    import('../operator/shard-forwarding.js'),
    import('@kubernetes/client-node'),
  ]);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const namespaces = opts.watch === true ? null : opts.watch.split(',').map((namespace) => namespace.trim());
  // client-go's identity: the pod name (the downward API gives it) and a unique suffix, so a restarted pod is new.
  const podName = process.env.POD_NAME ?? hostname();
  const identity = `${podName}_${randomUUID()}`;
  const leaseNamespace = opts.leaderElectionNamespace ?? process.env.POD_NAMESPACE ?? 'prescale';
  const membership =
    opts.shards === true
      ? new ShardMembership({
          kubeConfig,
          namespace: leaseNamespace,
          podName,
          identity,
          address: opts.shardAddress,
          clock: systemClock,
          onMembersChanged: () => controller.requeueAll(),
          log: (level, message, fields) => logger[level](fields ?? {}, message),
        })
      : null;
  const elector =
    opts.leaderElection === true
      ? new LeaderElector({
          kubeConfig,
          namespace: leaseNamespace,
          name: LEASE_NAME,
          identity,
          clock: systemClock,
          onLeading: (leading) => {
            logger.info({ identity, lease: LEASE_NAME }, leading ? 'became leader' : 'stopped leading');
            if (leading) controller.requeueAll();
          },
        })
      : null;
  const controller = new PredictiveAutoscalerController({
    kubeConfig,
    service,
    scalerAddress: opts.scalerAddress,
    namespaces,
    clock: systemClock,
    isLeader: elector === null ? undefined : () => elector.isLeader,
    owns: membership === null ? undefined : (key) => membership.owns(key),
    log: (level, message, fields) => logger[level](fields ?? {}, message),
  });
  await controller.start();
  elector?.start();
  if (membership !== null) {
    service.forwardTo(
      new ShardForwarding({
        directory: membership,
        self: podName,
        resourceKeys: (namespace) => controller.resourceKeys(namespace),
        clock: systemClock,
      }),
    );
    membership.start();
  }
  logger.info(
    { namespaces: namespaces ?? 'all', leaderElection: elector !== null, shards: membership !== null, identity },
    'watching PredictiveAutoscalers',
  );
  return {
    async stop() {
      await controller.stop();
      await elector?.stop();
      await membership?.stop();
    },
  };
}
