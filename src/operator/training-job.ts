import type * as k8s from '@kubernetes/client-node';
import type { TrainingJobConfig } from '../config/training-job.js';

/**
 * The training Job as data: its manifest, how to read its outcome, and when to try again. Pure, so the rules are
 * checked row by row; `job-trainer.ts` does the I/O.
 */

/** Labels of every training Job; `REPLICA_LABEL` tells which serving replica waits for it. */
export const TRAINING_JOB_LABELS = {
  'app.kubernetes.io/name': 'prescale',
  'app.kubernetes.io/component': 'training',
} as const;
export const REPLICA_LABEL = 'prescale.ml.dev/replica';

/** The object the Jobs are owned by: the serving replica's Pod (same namespace, as owner references require). */
export interface JobOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export interface TrainingJobInput {
  readonly name: string;
  readonly namespace: string;
  /** The replica (pod name) whose fits the Job runs. */
  readonly replica: string;
  readonly owner: JobOwner | null;
  /** The batch's request file, a path inside `modelsDir`. */
  readonly requestPath: string;
  /** `models.dir`: where the shared claim is mounted, in the replica and in the Job alike. */
  readonly modelsDir: string;
  /** Which models the batch fits, for people reading `kubectl describe job`. */
  readonly models: readonly string[];
  readonly config: TrainingJobConfig;
}

/**
 * A `batch/v1` Job that runs `prescale train-job` once on a batch: restartPolicy Never with Kubernetes' own
 * `backoffLimit` for a crashed pod, a deadline, `ttlSecondsAfterFinished` so finished Jobs clean themselves up,
 * and the replica's security settings (non-root, read-only root filesystem, /tmp on an emptyDir). It needs no API
 * access, so no service account token is mounted.
 */
export function trainingJobManifest(input: TrainingJobInput): k8s.V1Job {
  const { config } = input;
  const labels = { ...TRAINING_JOB_LABELS, [REPLICA_LABEL]: input.replica };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels,
      annotations: { 'prescale.ml.dev/models': input.models.join(',') },
      ...(input.owner === null
        ? {}
        : { ownerReferences: [{ ...input.owner, controller: true, blockOwnerDeletion: false }] }),
    },
    spec: {
      backoffLimit: config.backoffLimit,
      activeDeadlineSeconds: config.activeDeadlineSeconds,
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            fsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'train',
              image: config.image ?? '',
              args: ['train-job', '--request', input.requestPath],
              resources: { requests: { ...config.resources.requests }, limits: { ...config.resources.limits } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'models', mountPath: input.modelsDir },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'models', persistentVolumeClaim: { claimName: config.modelsClaim } },
            { name: 'tmp', emptyDir: { sizeLimit: '512Mi' } },
          ],
        },
      },
    },
  };
}

/** Where a Job stands, from its status conditions (the Job controller sets `Complete` or `Failed` to True). */
export type JobOutcome =
  | { readonly state: 'running' }
  | { readonly state: 'complete' }
  | { readonly state: 'failed'; readonly reason: string };

export function jobOutcome(job: k8s.V1Job): JobOutcome {
  const conditions = job.status?.conditions ?? [];
  const holds = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  if (holds('Complete') !== undefined) return { state: 'complete' };
  const failed = holds('Failed');
  if (failed !== undefined) {
    const why = [failed.reason, failed.message].filter((part) => part !== undefined && part !== '').join(': ');
    return { state: 'failed', reason: why === '' ? 'Failed' : why };
  }
  return { state: 'running' };
}

/** The wait before retry `retry` (1 = the first): the base doubled each time, capped. */
export function retryDelaySeconds(retry: number, baseSeconds: number, maxSeconds: number): number {
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, retry - 1));
}
