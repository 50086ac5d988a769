import { hostname } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import { targetPodQueries } from '../config/predictive-autoscaler.js';
import { formatMilli, isQuantityProblem, parseQuantity } from '../config/quantity.js';
import { type WorkloadConfig, workloadEntrySchema } from '../config/workload.js';
import type { Clock } from '../core/index.js';
import { safeParseWithIssues } from '../core/issues.js';
import { FIELD_MANAGER, ownedObject } from '../executor/owned-objects.js';
import type { WorkloadChanges } from '../predictor/service.js';
import type { WorkloadStatus } from '../predictor/workload-status.js';
import { type Condition, setCondition } from './conditions.js';
import { DirectScaler } from './direct-scaling.js';
import { type EventedStatus, eventsBetween, type ResourceEvent } from './events.js';
import { runtimeStatus } from './status.js';
import { WorkQueue } from './work-queue.js';

/**
 * The PredictiveAutoscaler controller: an informer on the resources (all namespaces, or a list) feeds a work queue
 * keyed by `namespace/name`; reconciling a key reads the resource and its target's pod template, parses it with the
 * one workload schema, hands the service the whole set of valid workloads (`applyWorkloads`: added, changed in
 * place, removed), server-side-applies the integration object it owns (for Direct, writes the target's scale:
 * direct-scaling.ts) and writes the status. An invalid spec sets `InvalidSpec` on that resource only. The informer
 * of client-node stops for good on any error but 410, so the controller restarts it with backoff.
 */

const GROUP = 'autoscaler.ml.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'predictiveautoscalers';
/** A DNS subdomain, what Kubernetes allows as an object name. */
const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
/** Who reports the events (events.k8s.io/v1 `reportingController`). */
export const REPORTING_CONTROLLER = `${GROUP}/prescale`;

/** What the controller needs of the service. */
export interface WorkloadRunner {
  /** `handedOver`: removed workloads another replica now runs (sharding); their saved models are kept. */
  applyWorkloads(workloads: readonly WorkloadConfig[], handedOver?: ReadonlySet<string>): Promise<WorkloadChanges>;
  /** The running workloads' status, which the resources' status reports. */
  statuses(): readonly WorkloadStatus[];
  /** Deletes saved models of workloads other than these (`namespace/name`): resources deleted while not running. */
  pruneSavedModels?(keepKeys: ReadonlySet<string>): Promise<void>;
}

export interface ControllerOptions {
  readonly kubeConfig: k8s.KubeConfig;
  readonly service: WorkloadRunner;
  /** Where KEDA reaches Prescale's external scaler (`host:port`), for owned ScaledObjects. */
  readonly scalerAddress: string;
  /** Namespaces to watch; null = all. */
  readonly namespaces: readonly string[] | null;
  readonly clock: Clock;
  /**
   * Whether this replica leads (leader election): every replica runs the workloads, so its KEDA scaler and External
   * Metrics API answer, but only the leader writes owned objects, status and events. Default: always.
   */
  readonly isLeader?: () => boolean;
  /**
   * Sharding (shard-membership.ts): whether this replica owns a resource (`namespace/name`) now. It runs, and
   * writes for, only those; one it no longer owns is handed over (stopped, its saved model kept). Default: all.
   * Told of a change of owners through `requeueAll`.
   */
  readonly owns?: (key: string) => boolean;
  /** Told of every finished reconcile and its wall time (metrics, the benchmark). */
  readonly onReconciled?: (key: string, milliseconds: number, ok: boolean) => void;
  /** Every resource's status is refreshed from its running workload this often (default 30 s). */
  readonly statusPeriodSeconds?: number;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

/** A PredictiveAutoscaler as the API server returns it. */
interface PredictiveAutoscalerObject extends k8s.KubernetesObject {
  spec?: Record<string, unknown>;
  status?: { conditions?: Condition[]; desiredReplicas?: number; lastScaleTime?: string } & Record<string, unknown>;
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class PredictiveAutoscalerController {
  private readonly workloads = new Map<string, WorkloadConfig>();
  /** The owned object last applied per key: an unchanged one is not applied again every status period. */
  private readonly applied = new Map<string, string>();
  private readonly queue: WorkQueue;
  private readonly informers: (k8s.Informer<PredictiveAutoscalerObject> &
    k8s.ObjectCache<PredictiveAutoscalerObject>)[] = [];
  private readonly custom: k8s.CustomObjectsApi;
  private readonly apps: k8s.AppsV1Api;
  private readonly events: k8s.EventsV1Api;
  private readonly objects: k8s.KubernetesObjectApi;
  private readonly direct: DirectScaler;
  /** Direct resources with a reconcile already scheduled a sync period ahead. */
  private readonly directRequeues = new Set<string>();
  private readonly abort = new AbortController();

  constructor(private readonly options: ControllerOptions) {
    const kc = options.kubeConfig;
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.events = kc.makeApiClient(k8s.EventsV1Api);
    this.objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    this.direct = new DirectScaler(kc);
    this.queue = new WorkQueue(
      async (key) => {
        const started = performance.now();
        let ok = false;
        try {
          await this.reconcile(key);
          ok = true;
        } finally {
          options.onReconciled?.(key, performance.now() - started, ok);
        }
      },
      options.clock,
      (key, error, retryInMs) =>
        this.log('warn', 'reconcile failed; retrying', { key, error: error.message, retryInMs }),
    );
  }

  /** Lists and watches, then reconciles every resource as it appears or changes. */
  async start(): Promise<void> {
    const scopes = this.options.namespaces ?? [null];
    for (const namespace of scopes) {
      const path =
        namespace === null
          ? `/apis/${GROUP}/${VERSION}/${PLURAL}`
          : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
      const list = () =>
        (namespace === null
          ? this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })
          : this.custom.listNamespacedCustomObject({
              group: GROUP,
              version: VERSION,
              namespace,
              plural: PLURAL,
            })) as Promise<k8s.KubernetesListObject<PredictiveAutoscalerObject>>;
      const informer = k8s.makeInformer<PredictiveAutoscalerObject>(this.options.kubeConfig, path, list);
      const enqueue = (object: PredictiveAutoscalerObject) => this.queue.add(keyOf(object));
      // Failures since the informer last delivered an event: the restart backoff grows with them.
      let failures = 0;
      const deliver = (object: PredictiveAutoscalerObject) => {
        failures = 0;
        enqueue(object);
      };
      informer.on('add', deliver);
      informer.on('update', deliver);
      informer.on('delete', deliver);
      // client-node reports a failed relist as another `error` (its start() resolves), so one handler sees every
      // failure, whether of the watch or of a restart.
      informer.on('error', (error) => void this.restart(informer, error, ++failures));
      this.informers.push(informer);
      await informer.start();
    }
    // Every scope is listed now: what is not there was deleted, perhaps while this replica was down.
    await this.options.service.pruneSavedModels?.(
      new Set(this.informers.flatMap((informer) => informer.list().map(keyOf))),
    );
    void this.refreshStatusesPeriodically();
  }

  /** Requeues every running workload each status period, so its status follows what the service does. */
  private async refreshStatusesPeriodically(): Promise<void> {
    const periodMs = (this.options.statusPeriodSeconds ?? 30) * 1000;
    while (!this.abort.signal.aborted) {
      try {
        await this.options.clock.sleep(periodMs, this.abort.signal);
      } catch {
        return;
      }
      for (const key of this.workloads.keys()) this.queue.add(key);
    }
  }

  /**
   * Reconciles a Direct resource again one sync period from now (one timer per key), since its reconcile is what
   * writes the scale: the scale follows each new decision as an HPA polling Prescale would.
   */
  private requeueAfterSync(key: string, syncPeriodSeconds: number): void {
    if (this.directRequeues.has(key)) return;
    this.directRequeues.add(key);
    this.options.clock.sleep(syncPeriodSeconds * 1000, this.abort.signal).then(
      () => {
        this.directRequeues.delete(key);
        this.queue.add(key);
      },
      () => undefined,
    );
  }

  /**
   * Reconciles every known resource again: a replica that has just become leader writes what it owns; after a
   * change of shard members, each replica takes up the resources it now owns and hands over the others.
   */
  requeueAll(): void {
    for (const informer of this.informers) for (const object of informer.list()) this.queue.add(keyOf(object));
  }

  /** The keys (`namespace/name`) of every resource of `namespace` the informers know, whoever owns them. */
  resourceKeys(namespace: string): string[] {
    return this.informers.flatMap((informer) => informer.list(namespace).map(keyOf));
  }

  /** Whether this replica writes for `key` now: it leads (leader election) and owns it (sharding). */
  private writes(key: string): boolean {
    return (this.options.isLeader?.() ?? true) && this.owns(key);
  }

  private owns(key: string): boolean {
    return this.options.owns?.(key) ?? true;
  }

  /** Resolves when every queued key has been reconciled (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.queue.stop();
    for (const informer of this.informers) await informer.stop();
  }

  /** client-node's informer gives up on errors other than 410: start it again after a backoff that grows, relisting. */
  private async restart(
    informer: k8s.Informer<PredictiveAutoscalerObject>,
    error: unknown,
    failures: number,
  ): Promise<void> {
    const delayMs = Math.min(1000 * 2 ** (failures - 1), 60_000);
    this.log('warn', 'watch failed; restarting', { error: String(error), delayMs });
    try {
      await this.options.clock.sleep(delayMs, this.abort.signal);
      await informer.start();
    } catch (failure) {
      // Stopped while waiting, or start() itself threw (a failed list usually comes as an `error` event instead).
      if (!this.abort.signal.aborted) await this.restart(informer, failure, failures + 1);
    }
  }

  private async reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const object = this.cached(namespace, name);
    if (object === undefined || object.metadata?.deletionTimestamp !== undefined) {
      this.applied.delete(key);
      if (this.workloads.delete(key)) await this.options.service.applyWorkloads([...this.workloads.values()]);
      return;
    }
    if (!this.owns(key)) {
      // Another replica owns it now: stop running it here, keeping its saved model should it come back.
      this.applied.delete(key);
      if (this.workloads.delete(key)) {
        await this.options.service.applyWorkloads([...this.workloads.values()], new Set([key]));
      }
      return;
    }
    const targetRef = object.spec?.targetRef as { kind?: unknown; name?: unknown } | undefined;
    const pod = await this.podOfTarget(namespace, targetRef);
    const parsed = safeParseWithIssues(workloadEntrySchema, {
      metadata: { name, namespace },
      spec: object.spec ?? {},
      pod,
      // The target's pods' CPU and memory: capacity is learned from them when no perPod is given, and resources
      // are recommended. A name that is not a Kubernetes name is left to the schema to report.
      queries:
        typeof targetRef?.name === 'string' && KUBERNETES_NAME.test(targetRef.name)
          ? targetPodQueries(namespace, targetRef.name)
          : {},
    });
    const now = new Date(this.options.clock.nowMs()).toISOString();
    const generation = object.metadata?.generation;
    let conditions = object.status?.conditions ?? [];
    if (!parsed.success) {
      const message = parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      if (this.workloads.delete(key)) await this.options.service.applyWorkloads([...this.workloads.values()]);
      conditions = setCondition(
        conditions,
        { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message },
        now,
        generation,
      );
      conditions = setCondition(
        conditions,
        { type: 'Ready', status: 'False', reason: 'InvalidSpec', message },
        now,
        generation,
      );
      if (this.writes(key) && (await this.writeStatus(object, { observedGeneration: generation, conditions }))) {
        this.log('warn', 'invalid spec', { key, message });
      }
      return;
    }
    this.workloads.set(key, parsed.data);
    await this.options.service.applyWorkloads([...this.workloads.values()]);
    const owner = { name, namespace, uid: object.metadata?.uid ?? '' };
    const owned = ownedObject(owner, parsed.data.resource, this.options.scalerAddress);
    // Every replica that runs the workload serves its doors; only the leader (of its shard) writes to the API.
    if (!this.writes(key)) return;
    const ownedJson = JSON.stringify(owned);
    // Direct owns nothing (and removes what an earlier integration owned): applied again if it comes back.
    if (owned === null) this.applied.delete(key);
    else if (this.applied.get(key) !== ownedJson) {
      await this.objects.patch(
        owned as k8s.KubernetesObject,
        undefined,
        undefined,
        FIELD_MANAGER,
        true,
        k8s.PatchStrategy.ServerSideApply,
      );
      await this.direct.removeOwnedExcept(owner, String(owned.kind));
      this.applied.set(key, ownedJson);
    }
    conditions = setCondition(
      conditions,
      { type: 'InvalidSpec', status: 'False', reason: 'SpecValid', message: 'the spec is valid' },
      now,
      generation,
    );
    const running = this.options.service.statuses().find((w) => w.namespace === namespace && w.name === name);
    const isDirect = parsed.data.resource.integration === 'Direct';
    if (isDirect) this.requeueAfterSync(key, parsed.data.resource.policy.syncPeriodSeconds);
    const direct = isDirect
      ? await this.direct.reconcile(owner, parsed.data.resource, running?.published ?? null, now, object.status ?? {})
      : null;
    conditions = setCondition(
      conditions,
      direct?.refusal
        ? { type: 'Ready', status: 'False', ...direct.refusal }
        : {
            type: 'Ready',
            status: 'True',
            reason: 'Reconciled',
            message: `running; integration ${parsed.data.resource.integration}`,
          },
      now,
      generation,
    );
    if (running === undefined) {
      await this.writeStatus(object, { observedGeneration: generation, ...direct?.status, conditions });
      return;
    }
    const runtime = runtimeStatus(running, conditions, now, generation, object.status ?? {});
    await this.writeStatus(object, {
      observedGeneration: generation,
      ...runtime.status,
      // Direct knows the target's scale: its replicas, and when this controller wrote it.
      ...direct?.status,
      conditions: runtime.conditions,
    });
  }

  private cached(namespace: string, name: string): PredictiveAutoscalerObject | undefined {
    for (const informer of this.informers) {
      const object = informer.get(name, namespace);
      if (object !== undefined) return object;
    }
    return undefined;
  }

  /** The target's pod template requests (summed over containers), what a config file gives as `pod`. */
  private async podOfTarget(
    namespace: string,
    ref: { kind?: unknown; name?: unknown } | undefined,
  ): Promise<Record<string, string>> {
    if ((ref?.kind !== 'Deployment' && ref?.kind !== 'StatefulSet') || typeof ref.name !== 'string') return {};
    try {
      const target = await (ref.kind === 'Deployment'
        ? this.apps.readNamespacedDeployment({ name: ref.name, namespace })
        : this.apps.readNamespacedStatefulSet({ name: ref.name, namespace }));
      return podRequests(target.spec?.template.spec?.containers ?? []);
    } catch (error) {
      if ((error as { code?: number }).code === 404) return {};
      throw error;
    }
  }

  /**
   * Merges `status` into the resource's status, unless it says what the status already says: a status write is
   * itself a change the informer reports, so writing the same status again would reconcile forever. True when written.
   */
  private async writeStatus(object: PredictiveAutoscalerObject, status: Record<string, unknown>): Promise<boolean> {
    const current = object.status ?? {};
    if (Object.entries(status).every(([field, value]) => JSON.stringify(current[field]) === JSON.stringify(value))) {
      return false;
    }
    const { namespace = '', name = '' } = object.metadata ?? {};
    await this.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: { status } },
      mergePatch,
    );
    this.log('info', 'status written', { key: `${namespace}/${name}`, ...status });
    await this.postEvents(object, eventsBetween(current, { ...current, ...status } as EventedStatus));
    return true;
  }

  /** Posts events about a resource (events.k8s.io/v1); a failure is logged, never a reason to reconcile again. */
  private async postEvents(object: PredictiveAutoscalerObject, events: readonly ResourceEvent[]): Promise<void> {
    const { namespace = '', name = '', uid } = object.metadata ?? {};
    for (const event of events) {
      try {
        await this.events.createNamespacedEvent({
          namespace,
          body: {
            metadata: { generateName: `${name}.` },
            regarding: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PredictiveAutoscaler', name, namespace, uid },
            reason: event.reason,
            action: event.action,
            note: event.note,
            type: event.type,
            reportingController: REPORTING_CONTROLLER,
            reportingInstance: hostname(),
            eventTime: new k8s.V1MicroTime(this.options.clock.nowMs()),
          },
        });
        this.log(event.type === 'Warning' ? 'warn' : 'info', event.reason, {
          key: `${namespace}/${name}`,
          note: event.note,
        });
      } catch (error) {
        this.log('warn', 'event not posted', {
          key: `${namespace}/${name}`,
          reason: event.reason,
          error: String(error),
        });
      }
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, message, fields);
  }
}

function keyOf(object: k8s.KubernetesObject): string {
  return `${object.metadata?.namespace}/${object.metadata?.name}`;
}

/**
 * CPU and memory requests of a pod template, summed over its containers (a resource is left out unless every
 * container requests it, as the HPA does), as quantities the workload schema reads; a bad quantity is passed on
 * for the schema to report.
 */
function podRequests(containers: readonly k8s.V1Container[]): Record<string, string> {
  const pod: Record<string, string> = {};
  for (const [resource, field] of [
    ['cpu', 'cpuRequest'],
    ['memory', 'memoryRequest'],
  ] as const) {
    const values = containers.map((container) => container.resources?.requests?.[resource]);
    if (values.length === 0 || values.some((value) => value === undefined)) continue;
    const parsed = values.map((value) => parseQuantity(String(value)));
    const problem = parsed.find(isQuantityProblem);
    pod[field] =
      problem !== undefined
        ? String(values[parsed.indexOf(problem)])
        : formatMilli(parsed.reduce((sum, q) => sum + (q as { milli: number }).milli, 0));
  }
  return pod;
}
