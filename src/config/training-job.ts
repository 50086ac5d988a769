import { z } from 'zod';
import { describeValue } from '../core/issues.js';
import { durationSeconds } from './duration.js';
import { isQuantityProblem, parseQuantity } from './quantity.js';

/**
 * The `training.job` section: how `loop.trainer: job` runs fits as Kubernetes Jobs (docs/operator.md, "Training
 * Jobs"). Read only with that trainer; every field has a default but `image`, which must be the image the
 * serving StatefulSet runs (the Job runs `prescale train-job` from it).
 */
export const TRAINING_JOB_DEFAULTS = {
  modelsClaim: 'prescale-models',
  resources: {
    requests: { cpu: '1', memory: '1Gi' },
    limits: { cpu: '2', memory: '2Gi' },
  },
  backoffLimit: 1,
  activeDeadline: '2h',
  ttlAfterFinished: '1h',
  maxRetries: 3,
  retryBackoff: '30s',
  maxRetryBackoff: '10m',
  pollInterval: '10s',
  batchWindow: '5s',
  maxBatchSize: 8,
};

const D = TRAINING_JOB_DEFAULTS;

/** A quantity kept as written (the Job carries it verbatim), checked the way Kubernetes parses it. */
const quantityText = z
  .union([z.string(), z.number()], {
    error: (issue) =>
      `${issue.input === undefined ? 'required' : `${describeValue(issue.input)} is not a quantity`}; write e.g. "500m", "2" or "1Gi"`,
  })
  .transform((value, ctx) => {
    const text = String(value).trim();
    const parsed = parseQuantity(text);
    if (isQuantityProblem(parsed)) {
      ctx.issues.push({ code: 'custom', input: value, message: parsed.problem });
      return z.NEVER;
    }
    return text;
  });

const cpuAndMemory = (defaults: { cpu: string; memory: string }) =>
  z.strictObject({ cpu: quantityText.default(defaults.cpu), memory: quantityText.default(defaults.memory) });

/** A DNS-1123 label: what Kubernetes accepts as a PersistentVolumeClaim name here. */
const claimName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'is not a claim name; use lowercase letters, digits and -');

export const trainingJobSchema = z
  .strictObject({
    image: z.string().min(1, 'is empty; give the image the prescale StatefulSet runs').optional(),
    modelsClaim: claimName.default(D.modelsClaim),
    resources: z
      .strictObject({
        requests: cpuAndMemory(D.resources.requests).prefault({}),
        limits: cpuAndMemory(D.resources.limits).prefault({}),
      })
      .prefault({}),
    backoffLimit: z.number().int().min(0).max(10).default(D.backoffLimit),
    activeDeadline: durationSeconds(60, 7 * 86_400).prefault(D.activeDeadline),
    ttlAfterFinished: durationSeconds(0, 7 * 86_400).prefault(D.ttlAfterFinished),
    maxRetries: z.number().int().min(0).max(20).default(D.maxRetries),
    retryBackoff: durationSeconds(1, 3600).prefault(D.retryBackoff),
    maxRetryBackoff: durationSeconds(1, 86_400).prefault(D.maxRetryBackoff),
    pollInterval: durationSeconds(1, 600).prefault(D.pollInterval),
    batchWindow: durationSeconds(0, 600).prefault(D.batchWindow),
    maxBatchSize: z.number().int().min(1).max(100).default(D.maxBatchSize),
  })
  .transform(
    (job): TrainingJobConfig => ({
      image: job.image ?? null,
      modelsClaim: job.modelsClaim,
      resources: job.resources,
      backoffLimit: job.backoffLimit,
      activeDeadlineSeconds: job.activeDeadline,
      ttlSecondsAfterFinished: job.ttlAfterFinished,
      maxRetries: job.maxRetries,
      retryBackoffSeconds: job.retryBackoff,
      maxRetryBackoffSeconds: Math.max(job.maxRetryBackoff, job.retryBackoff),
      pollIntervalSeconds: job.pollInterval,
      batchWindowSeconds: job.batchWindow,
      maxBatchSize: job.maxBatchSize,
    }),
  );

/** The parsed `training.job` section: durations in seconds, quantities as written. */
export interface TrainingJobConfig {
  /** Required with `loop.trainer: job` (a rule of the service schema); null otherwise. */
  readonly image: string | null;
  /** The ReadWriteMany claim holding `models.dir`, mounted by every Job at that same path. */
  readonly modelsClaim: string;
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
  };
  /** Pod retries inside one Job (Kubernetes' own `spec.backoffLimit`). */
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds: number;
  readonly ttlSecondsAfterFinished: number;
  /** New Jobs after a failed or deleted one, before the batch's fits fail. */
  readonly maxRetries: number;
  /** The wait before the first retry, doubled at each next one up to `maxRetryBackoffSeconds`. */
  readonly retryBackoffSeconds: number;
  readonly maxRetryBackoffSeconds: number;
  /** How often the replica lists its Jobs to see them finish. */
  readonly pollIntervalSeconds: number;
  /** How long the first fit of a batch waits for others to join it (0: a Job per fit). */
  readonly batchWindowSeconds: number;
  readonly maxBatchSize: number;
}

/** The `training` section (room for the other training settings beside `job`). */
export const trainingSchema = z.strictObject({ job: trainingJobSchema.prefault({}) });
