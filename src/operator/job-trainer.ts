import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { ServiceConfig } from '../config/service.js';
import type { TrainingJobConfig } from '../config/training-job.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { type Clock, PrescaleError } from '../core/index.js';
import type { FitRequest, FitResult, Trainer } from '../predictor/trainer.js';
import { encodeFitRequests, REQUEST_FILE, readFitOutcome } from '../predictor/training-batch.js';
import { REPORTING_CONTROLLER } from './controller.js';
import { type JobOwner, jobOutcome, REPLICA_LABEL, retryDelaySeconds, trainingJobManifest } from './training-job.js';

/** Where batch folders live inside `models.dir` (never a saved model's name, so pruning leaves them alone). */
export const TRAINING_JOBS_FOLDER = 'training-jobs';

export interface JobTrainerOptions {
  readonly kubeConfig: k8s.KubeConfig;
  /** The replica's namespace: the Jobs run beside the shared claim, which only pods of its namespace can mount. */
  readonly namespace: string;
  /** This replica's name (its pod name): Jobs and batch folders are labelled and filed under it. */
  readonly replica: string;
  /** The replica's Pod: its Jobs are garbage-collected with it. Null: no owner (the Jobs' TTL still applies). */
  readonly owner: JobOwner | null;
  readonly modelsDir: string;
  readonly config: TrainingJobConfig;
  readonly clock: Clock;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

interface PendingFit {
  readonly request: FitRequest;
  readonly resolve: (result: FitResult) => void;
  readonly reject: (error: Error) => void;
  /** Aborted by its workload (removed, service stopping): its outcome is dropped. */
  dropped: boolean;
}

interface Batch {
  readonly id: string;
  readonly folder: string;
  readonly fits: PendingFit[];
  /** Jobs created so far; the last one is the live attempt. */
  attempts: number;
  /** The live attempt's Job; null while collecting fits or waiting to retry. */
  jobName: string | null;
}

/**
 * A `Trainer` that fits in Kubernetes Jobs (`loop.trainer: job`). Fits arriving within `batchWindowSeconds` of
 * each other (at most `maxBatchSize`) share one Job: the batch's requests go into a folder of the shared model
 * store, the Job runs `prescale train-job` on them and writes each model there, and this replica, listing its Jobs
 * every `pollIntervalSeconds`, reads the models back once the Job is Complete. A Job that fails or disappears is
 * created again after an exponential, capped backoff; after `maxRetries` retries the batch's fits fail (a Warning
 * event on the last Job), and each workload keeps its last good model until its next retrain.
 */
export class JobTrainer implements Trainer {
  private collecting: Batch | null = null;
  private readonly batches = new Set<Batch>();
  private readonly stopping = new AbortController();
  private readonly batch: k8s.BatchV1Api;
  private readonly events: k8s.EventsV1Api;
  private readonly polling: Promise<void>;

  private constructor(private readonly options: JobTrainerOptions) {
    this.batch = options.kubeConfig.makeApiClient(k8s.BatchV1Api);
    this.events = options.kubeConfig.makeApiClient(k8s.EventsV1Api);
    this.polling = this.pollLoop();
  }

  /**
   * Clears what an earlier process of this replica left (its Jobs, whose fits nobody waits for now, and their
   * folders), then starts watching.
   */
  static async start(options: JobTrainerOptions): Promise<JobTrainer> {
    const api = options.kubeConfig.makeApiClient(k8s.BatchV1Api);
    try {
      await api.deleteCollectionNamespacedJob({
        namespace: options.namespace,
        labelSelector: `${REPLICA_LABEL}=${options.replica}`,
        propagationPolicy: 'Background',
      });
    } catch (error) {
      throw new PrescaleError(
        'io-error',
        `loop.trainer: job: cannot delete this replica's earlier training Jobs in namespace ${options.namespace} (${errorText(error)}); check the API server is reachable and the Role of k8s/overlays/training-jobs is bound to the pod's service account`,
        { field: 'loop.trainer', cause: error },
      );
    }
    await rm(replicaFolder(options), { recursive: true, force: true });
    return new JobTrainer(options);
  }

  fit(request: FitRequest, signal?: AbortSignal): Promise<FitResult> {
    if (this.stopping.signal.aborted) return Promise.reject(new Error('the job trainer is closed'));
    signal?.throwIfAborted();
    return new Promise<FitResult>((resolve, reject) => {
      const onAbort = () => {
        fit.dropped = true;
        reject(signal?.reason ?? new Error('aborted'));
      };
      // The caller's signal outlives this fit (a workload's, across all its fits): the listener goes when it settles.
      const settled =
        <T>(settle: (value: T) => void) =>
        (value: T) => {
          signal?.removeEventListener('abort', onAbort);
          settle(value);
        };
      const fit: PendingFit = { request, resolve: settled(resolve), reject: settled(reject), dropped: false };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.join(fit);
    });
  }

  /** Stops watching; fits still waiting fail (their Jobs go with this replica's Pod, or at their TTL). */
  async close(): Promise<void> {
    this.stopping.abort(new Error('the job trainer is closed'));
    await this.polling;
    const stopped = new Error('the service stopped before its training Job finished');
    await Promise.all([...this.batches].map((batch) => this.finish(batch, stopped)));
  }

  /** The Jobs this trainer waits for now (tests, status). */
  get liveJobs(): string[] {
    return [...this.batches].flatMap((batch) => (batch.jobName === null ? [] : [batch.jobName]));
  }

  private join(fit: PendingFit): void {
    let batch = this.collecting;
    if (batch === null) {
      const id = randomBytes(4).toString('hex');
      batch = { id, folder: join(replicaFolder(this.options), id), fits: [], attempts: 0, jobName: null };
      this.collecting = batch;
      this.batches.add(batch);
      const opened = batch;
      this.options.clock.sleep(this.options.config.batchWindowSeconds * 1000, this.stopping.signal).then(
        () => this.submit(opened),
        () => undefined,
      );
    }
    batch.fits.push(fit);
    if (batch.fits.length >= this.options.config.maxBatchSize) void this.submit(batch);
  }

  /** Closes a collecting batch: writes its request file and creates its first Job. */
  private async submit(batch: Batch): Promise<void> {
    if (this.collecting !== batch) return;
    this.collecting = null;
    try {
      await mkdir(batch.folder, { recursive: true });
      await writeFileAtomic(
        join(batch.folder, REQUEST_FILE),
        encodeFitRequests(batch.fits.map((fit) => fit.request)),
        'training request',
      );
    } catch (error) {
      void this.finish(batch, error as Error);
      return;
    }
    await this.createJob(batch);
  }

  private async createJob(batch: Batch): Promise<void> {
    if (this.stopping.signal.aborted) return;
    if (batch.fits.every((fit) => fit.dropped)) {
      void this.finish(batch, null);
      return;
    }
    batch.attempts++;
    const name = `prescale-train-${batch.id}-${batch.attempts}`;
    const { options } = this;
    const body = trainingJobManifest({
      name,
      namespace: options.namespace,
      replica: options.replica,
      owner: options.owner,
      requestPath: join(batch.folder, REQUEST_FILE),
      modelsDir: options.modelsDir,
      models: [...new Set(batch.fits.map((fit) => fit.request.model))].sort(),
      config: options.config,
    });
    try {
      await this.batch.createNamespacedJob({ namespace: options.namespace, body });
      batch.jobName = name;
      this.log('info', 'training job created', { job: name, fits: batch.fits.length, attempt: batch.attempts });
    } catch (error) {
      await this.failed(batch, name, null, `cannot create the Job (${errorText(error)})`);
    }
  }

  private async pollLoop(): Promise<void> {
    const periodMs = this.options.config.pollIntervalSeconds * 1000;
    for (;;) {
      try {
        await this.options.clock.sleep(periodMs, this.stopping.signal);
      } catch {
        return;
      }
      await this.checkJobs();
    }
  }

  /**
   * One look at this replica's Jobs (what each poll does): one list call whatever their number, then each live
   * attempt is finished, retried or left running. Tests call it to look at once rather than wait a poll period.
   */
  async checkJobs(): Promise<void> {
    const waiting = [...this.batches].flatMap((batch) =>
      batch.jobName === null ? [] : [{ batch, name: batch.jobName }],
    );
    if (waiting.length === 0) return;
    let jobs: k8s.V1Job[];
    try {
      const list = await this.batch.listNamespacedJob({
        namespace: this.options.namespace,
        labelSelector: `${REPLICA_LABEL}=${this.options.replica}`,
      });
      jobs = list.items;
    } catch (error) {
      // The API server unreachable for a while: the Jobs run on; ask again next period.
      this.log('warn', 'cannot list training jobs', { error: errorText(error) });
      return;
    }
    const byName = new Map(jobs.map((job) => [job.metadata?.name ?? '', job]));
    await Promise.all(waiting.map(({ batch, name }) => this.check(batch, name, byName.get(name))));
  }

  private async check(batch: Batch, name: string, job: k8s.V1Job | undefined): Promise<void> {
    // Another look (a poll beside a test's checkJobs) already handled this attempt.
    if (batch.jobName !== name) return;
    if (job === undefined) {
      await this.failed(batch, name, null, 'the Job was deleted before it finished');
      return;
    }
    const outcome = jobOutcome(job);
    if (outcome.state === 'running') return;
    if (outcome.state === 'failed') {
      await this.failed(batch, name, job.metadata?.uid ?? null, `the Job failed (${outcome.reason})`);
      return;
    }
    batch.jobName = null;
    const settle: (() => void)[] = [];
    for (const [index, fit] of batch.fits.entries()) {
      if (fit.dropped) continue;
      await readFitOutcome(batch.folder, index).then(
        (result) => settle.push(() => fit.resolve(result)),
        (error: unknown) => settle.push(() => fit.reject(error as Error)),
      );
    }
    this.log('info', 'training job complete', { job: name, fits: batch.fits.length });
    // The batch's folder is gone before its fits settle: a workload holding its new model finds nothing left over.
    await this.finish(batch, null);
    for (const done of settle) done();
  }

  /** A failed or vanished attempt: another Job after the backoff, or, past `maxRetries`, the batch fails. */
  private async failed(batch: Batch, jobName: string, jobUid: string | null, why: string): Promise<void> {
    batch.jobName = null;
    const { config } = this.options;
    const retry = batch.attempts;
    if (retry <= config.maxRetries) {
      const delaySeconds = retryDelaySeconds(retry, config.retryBackoffSeconds, config.maxRetryBackoffSeconds);
      this.log('warn', 'training job retried', {
        job: jobName,
        why,
        retry,
        maxRetries: config.maxRetries,
        delaySeconds,
      });
      this.options.clock.sleep(delaySeconds * 1000, this.stopping.signal).then(
        () => this.createJob(batch),
        () => undefined,
      );
      return;
    }
    const note = `${jobName}: ${why}; gave up after ${config.maxRetries} retries, the workloads keep their last good models`;
    await this.warn(jobName, jobUid, note);
    void this.finish(batch, new Error(`training Job ${note}`));
  }

  /** Ends a batch: fits still waiting fail with `error` (none left when it completed); resolves once its folder is gone. */
  private finish(batch: Batch, error: Error | null): Promise<void> {
    if (this.collecting === batch) this.collecting = null;
    this.batches.delete(batch);
    if (error !== null) for (const fit of batch.fits) if (!fit.dropped) fit.reject(error);
    return rm(batch.folder, { recursive: true, force: true });
  }

  private async warn(jobName: string, jobUid: string | null, note: string): Promise<void> {
    const { namespace, replica } = this.options;
    this.log('error', 'training job gave up', { job: jobName, note });
    try {
      await this.events.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${jobName}.` },
          regarding: {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: jobName,
            namespace,
            ...(jobUid === null ? {} : { uid: jobUid }),
          },
          reason: 'TrainingFailed',
          action: 'Train',
          note: note.slice(0, 1024),
          type: 'Warning',
          reportingController: REPORTING_CONTROLLER,
          reportingInstance: replica,
          eventTime: new k8s.V1MicroTime(this.options.clock.nowMs()),
        },
      });
    } catch (error) {
      this.log('warn', 'event not posted', { job: jobName, error: errorText(error) });
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, message, fields);
  }
}

/**
 * The trainer `prescale serve` runs with `loop.trainer: job`, in its pod: the namespace, name and uid come from the
 * downward API (POD_NAMESPACE, POD_NAME, POD_UID; the training-jobs overlay sets them), the API server from the
 * in-cluster service account or KUBECONFIG.
 */
export function startJobTrainerInPod(
  config: ServiceConfig,
  env: Readonly<Record<string, string | undefined>>,
  clock: Clock,
  log: JobTrainerOptions['log'],
): Promise<JobTrainer> {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromDefault();
  const replica = env.POD_NAME ?? hostname();
  return JobTrainer.start({
    kubeConfig,
    namespace: env.POD_NAMESPACE ?? 'prescale',
    replica,
    owner: env.POD_UID === undefined ? null : { apiVersion: 'v1', kind: 'Pod', name: replica, uid: env.POD_UID },
    modelsDir: config.models.dir,
    config: config.training.job,
    clock,
    log,
  });
}

function replicaFolder(options: Pick<JobTrainerOptions, 'modelsDir' | 'replica'>): string {
  return join(options.modelsDir, TRAINING_JOBS_FOLDER, options.replica);
}

function errorText(error: unknown): string {
  if (error instanceof k8s.ApiException) return `HTTP ${error.code}: ${String(error.body).slice(0, 200)}`;
  return (error as Error).message ?? String(error);
}
