import { z } from 'zod';
import { type IssuesOr, rule, safeParseWithIssues } from '../core/issues.js';
import { MODEL_NAMES, type ModelName } from '../models/names.js';
import { durationSeconds } from './duration.js';
import { TRAINING_JOB_DEFAULTS, type TrainingJobConfig, trainingSchema } from './training-job.js';
import { type WorkloadConfig, workloadEntrySchema } from './workload.js';

export type { WorkloadConfig } from './workload.js';

/**
 * The configuration of `prescale serve`: where Prometheus is, where each door listens, and the workloads
 * (`workload.ts`: each entry a `PredictiveAutoscaler` plus the service blocks). One schema for the whole file,
 * so one parse reports every problem; reading it from YAML with line numbers is `service-yaml.ts`.
 */

/** Defaults of the service sections, written as a user writes them (printed by `prescale config --print-defaults`). */
export const SERVICE_DEFAULTS = {
  prometheus: { url: 'http://prometheus.monitoring.svc:9090', timeout: '10s', retries: 1 },
  api: { listen: '0.0.0.0:8080', bodyLimitBytes: 1_048_576 },
  keda: { enabled: true, listen: '0.0.0.0:9000' },
  externalMetrics: {
    enabled: true,
    listen: '0.0.0.0:6443',
    certFile: '/var/run/serving-cert/tls.crt',
    keyFile: '/var/run/serving-cert/tls.key',
    requestheaderAllowedNames: [] as string[],
  },
  models: { dir: '/var/lib/prescale/models', serve: [] as { name: string; path: string }[] },
  loop: {
    contextWindow: '1d',
    accuracyWindow: '1h',
    retrainRetry: '5m',
    trainer: 'worker' as 'worker' | 'in-process' | 'job',
    /** Fits at once (the training budget, about one core each); the others queue (`--training-concurrency`). */
    trainingConcurrency: 1,
    /** The fast classic models `model: auto` backtests at each retrain. */
    autoCandidates: ['naive', 'seasonal-naive', 'ets', 'mstl'] as AutoCandidate[],
  },
  training: { job: TRAINING_JOB_DEFAULTS },
};

const D = SERVICE_DEFAULTS;

const listen = z
  .string()
  .regex(/^(\[[^\]]+\]|[^:]*):\d{1,5}$/, 'is not host:port; write it like 0.0.0.0:8080 (port 0 picks a free one)');
const filePath = z.string().min(1, 'is empty; give a file path');

/** A model `model: auto` may pick: any concrete model. */
type AutoCandidate = Exclude<ModelName, 'auto'>;
const AUTO_CANDIDATES = MODEL_NAMES.filter((name): name is AutoCandidate => name !== 'auto');

/** `loop.trainingConcurrency` (and `prescale serve --training-concurrency`): the fits one replica runs at once. */
export const trainingConcurrencySchema = z
  .number({ error: 'is not a number; give how many fits may run at once, like 2' })
  .int('is not a whole number; give how many fits may run at once, like 2')
  .min(1, 'must be at least 1; give how many fits may run at once')
  .max(256, 'is above 256; one replica has far fewer cores: run more replicas instead');

/** The `loop` section: how each workload's loop reads, scores and retrains (the simulator runs it too). */
export const loopSchema = z
  .strictObject({
    contextWindow: durationSeconds(60, 30 * 86_400).prefault(D.loop.contextWindow),
    accuracyWindow: durationSeconds(60, 30 * 86_400).prefault(D.loop.accuracyWindow),
    retrainRetry: durationSeconds(1, 86_400).prefault(D.loop.retrainRetry),
    trainer: z.enum(['worker', 'in-process', 'job']).default(D.loop.trainer),
    trainingConcurrency: trainingConcurrencySchema.default(D.loop.trainingConcurrency),
    autoCandidates: z
      .array(
        z.enum(AUTO_CANDIDATES, {
          error: (issue) =>
            issue.input === 'auto' ? 'auto cannot be its own candidate; name concrete models' : undefined,
        }),
      )
      .min(1)
      .default(D.loop.autoCandidates),
  })
  .transform((loop) => ({
    contextWindowSeconds: loop.contextWindow,
    accuracyWindowSeconds: loop.accuracyWindow,
    retrainRetrySeconds: loop.retrainRetry,
    trainer: loop.trainer,
    trainingConcurrency: loop.trainingConcurrency,
    autoCandidates: loop.autoCandidates,
  }));

const serviceFields = z.strictObject({
  prometheus: z
    .strictObject({
      url: z.url('is not a URL; write it like http://prometheus:9090').default(D.prometheus.url),
      timeout: durationSeconds(1, 300).prefault(D.prometheus.timeout),
      retries: z.number().int().min(0).max(10).default(D.prometheus.retries),
      bearerTokenFile: filePath.optional(),
      caFile: filePath.optional(),
    })
    .prefault({}),
  api: z
    .strictObject({
      listen: listen.default(D.api.listen),
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(1 << 30)
        .default(D.api.bodyLimitBytes),
    })
    .prefault({}),
  keda: z
    .strictObject({
      enabled: z.boolean().default(D.keda.enabled),
      listen: listen.default(D.keda.listen),
      tls: z.strictObject({ certFile: filePath, keyFile: filePath, clientCaFile: filePath.optional() }).optional(),
    })
    .prefault({}),
  externalMetrics: z
    .strictObject({
      enabled: z.boolean().default(D.externalMetrics.enabled),
      listen: listen.default(D.externalMetrics.listen),
      certFile: filePath.default(D.externalMetrics.certFile),
      keyFile: filePath.default(D.externalMetrics.keyFile),
      requestheaderClientCaFile: filePath.optional(),
      requestheaderAllowedNames: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  models: z
    .strictObject({
      dir: filePath.default(D.models.dir),
      serve: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$/, 'use lowercase letters, digits, -, _ and .'),
            path: filePath,
          }),
        )
        .default([]),
    })
    .prefault({}),
  loop: loopSchema.prefault({}),
  training: trainingSchema.prefault({}),
  workloads: z.array(workloadEntrySchema).default([]),
});

/** The parsed service configuration: durations in seconds, defaults filled, every cross-field rule checked. */
export interface ServiceConfig {
  readonly prometheus: {
    readonly url: string;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly bearerTokenFile: string | null;
    readonly caFile: string | null;
  };
  readonly api: { readonly listen: string; readonly bodyLimitBytes: number };
  readonly keda: {
    readonly enabled: boolean;
    readonly listen: string;
    readonly tls: { readonly certFile: string; readonly keyFile: string; readonly clientCaFile: string | null } | null;
  };
  readonly externalMetrics: {
    readonly enabled: boolean;
    readonly listen: string;
    readonly certFile: string;
    readonly keyFile: string;
    readonly requestheaderClientCaFile: string | null;
    readonly requestheaderAllowedNames: readonly string[];
  };
  readonly models: {
    readonly dir: string;
    readonly serve: readonly { readonly name: string; readonly path: string }[];
  };
  readonly loop: {
    readonly contextWindowSeconds: number;
    readonly accuracyWindowSeconds: number;
    readonly retrainRetrySeconds: number;
    readonly trainer: 'worker' | 'in-process' | 'job';
    /** At most this many fits at once (each `worker` fit is a thread); the others wait in the training queue. */
    readonly trainingConcurrency: number;
    readonly autoCandidates: readonly string[];
  };
  readonly training: { readonly job: TrainingJobConfig };
  readonly workloads: readonly WorkloadConfig[];
}

type ServiceFields = z.output<typeof serviceFields>;

/** Rules across workloads and sections; a workload that did not parse is left out of them. */
const serviceSchema = serviceFields
  .check(
    rule<ServiceFields>([['models'], ['keda'], ['externalMetrics']], (c, report, parsed) => {
      const seen = new Map<string, number>();
      const served = new Set(c.models.serve.map((m) => m.name));
      // The list may itself be wrong (not a list); its entries that parsed are still checked against each other.
      if (!Array.isArray(c.workloads)) return;
      c.workloads.forEach((w, i) => {
        if (!parsed(['workloads', i])) return;
        const key = `${w.resource.namespace}/${w.resource.name}`;
        const first = seen.get(key);
        if (first !== undefined) {
          report(
            ['workloads', i, 'metadata', 'name'],
            `${key} is already workloads[${first}]; give each workload its own name or namespace`,
          );
        }
        seen.set(key, i);
        if (served.has(w.resource.name)) {
          report(
            ['workloads', i, 'metadata', 'name'],
            `"${w.resource.name}" is also a models.serve name; POST /v1/forecast could not tell them apart, rename one`,
          );
        }
        // The service has no Kubernetes client: writing the scale subresource is the operator's (`serve --watch`).
        if (w.resource.integration === 'Direct') {
          report(
            ['workloads', i, 'spec', 'integration'],
            "Direct writes the target's scale subresource, which the PredictiveAutoscaler operator (prescale serve --watch) does, not a config file's workload; use HPA (External Metrics API) or KEDA (external scaler), or create a PredictiveAutoscaler",
          );
        }
        if (w.resource.integration === 'KEDA' && !c.keda.enabled) {
          report(
            ['workloads', i, 'spec', 'integration'],
            'KEDA, but keda.enabled is false; enable the external scaler or use integration HPA',
          );
        }
        if (w.resource.integration === 'HPA' && !c.externalMetrics.enabled) {
          report(
            ['workloads', i, 'spec', 'integration'],
            'HPA, but externalMetrics.enabled is false; enable the External Metrics API or use integration KEDA',
          );
        }
      });
    }),
    rule<ServiceFields>([['models']], (c, report) => {
      const names = new Map<string, number>();
      c.models.serve.forEach((m, i) => {
        const first = names.get(m.name);
        if (first !== undefined) {
          report(['models', 'serve', i, 'name'], `"${m.name}" is already models.serve[${first}]; rename one`);
        }
        names.set(m.name, i);
      });
    }),
    rule<ServiceFields>([['loop'], ['training']], (c, report) => {
      if (c.loop.trainer === 'job' && c.training.job.image === null) {
        report(
          ['training', 'job', 'image'],
          'required with loop.trainer: job; give the image the prescale StatefulSet runs (the Job runs prescale train-job from it)',
        );
      }
    }),
    rule<ServiceFields>([['api'], ['keda'], ['externalMetrics']], (c, report) => {
      // Port 0 asks the OS for a free port each time, so it never collides.
      const samePort = (a: string, b: string) => a === b && !a.endsWith(':0');
      if (c.keda.enabled && c.externalMetrics.enabled && samePort(c.keda.listen, c.externalMetrics.listen)) {
        report(['keda', 'listen'], `${c.keda.listen} is also externalMetrics.listen; give each its own port`);
      }
      for (const door of ['keda', 'externalMetrics'] as const) {
        if (c[door].enabled && samePort(c[door].listen, c.api.listen)) {
          report([door, 'listen'], `${c.api.listen} is also api.listen; give each its own port`);
        }
      }
    }),
  )
  .transform(
    (c): ServiceConfig => ({
      prometheus: {
        url: c.prometheus.url,
        timeoutSeconds: c.prometheus.timeout,
        retries: c.prometheus.retries,
        bearerTokenFile: c.prometheus.bearerTokenFile ?? null,
        caFile: c.prometheus.caFile ?? null,
      },
      api: c.api,
      keda: {
        enabled: c.keda.enabled,
        listen: c.keda.listen,
        tls:
          c.keda.tls === undefined
            ? null
            : {
                certFile: c.keda.tls.certFile,
                keyFile: c.keda.tls.keyFile,
                clientCaFile: c.keda.tls.clientCaFile ?? null,
              },
      },
      externalMetrics: {
        ...c.externalMetrics,
        requestheaderClientCaFile: c.externalMetrics.requestheaderClientCaFile ?? null,
      },
      models: c.models,
      loop: c.loop,
      training: c.training,
      workloads: c.workloads,
    }),
  );

/** Parses a service configuration object without throwing, collecting every issue (the KEDA typed-config habit). */
export function safeParseServiceConfig(json: unknown): IssuesOr<ServiceConfig> {
  return safeParseWithIssues(serviceSchema, json ?? {});
}
