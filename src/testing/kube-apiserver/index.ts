/**
 * A stand-in kube-apiserver for tests: the real HTTP protocol on 127.0.0.1, in process, plain HTTP, no auth
 * (client-node needs `skipTLSVerify: true` for an http: server; kubectl needs only a kubeconfig). Facts come
 * from the Kubernetes API conventions (list/watch, patches, apply, subresources, CRD schemas); docs/operator.md says what it stands in for.
 *
 * Emulated:
 * - legacy discovery (`/version`, `/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`) for core/v1 Namespace, Pod,
 *   ConfigMap, Secret; apps/v1 Deployment and StatefulSet (+status, +scale); autoscaling/v2 HPA (+status); batch/v1 Job (+status; no Job controller: tests set its conditions); coordination.k8s.io/v1
 *   Lease; events.k8s.io/v1 Event; keda.sh/v1alpha1 ScaledObject (schemaless CRD-like); apiextensions.k8s.io/v1
 *   CustomResourceDefinition — and every CRD created becomes served (all served versions, one storage);
 * - create/get/list/update/patch/delete/deletecollection with one cluster-wide resourceVersion, uid,
 *   creationTimestamp, generation rules, generateName, 404/409 AlreadyExists/409 Conflict/422 Invalid/415;
 *   namespaced objects need their Namespace to exist (`namespaces` option, default `default`);
 * - JSON patch, merge patch, strategic merge patch as a merge patch (built-ins only; 415 for custom resources),
 *   server-side apply with managedFields conflicts (409, `force`), `/status` and `/scale` (autoscaling/v1 Scale,
 *   for Deployments, StatefulSets and CRDs declaring `subresources.scale`);
 * - list with label and `metadata.name`/`metadata.namespace` field selectors; watch with history replay,
 *   200 + ERROR 410 past the kept history, BOOKMARKs, `timeoutSeconds`; Table output for `kubectl get`;
 * - custom resources checked against their CRD's schema: pruning, defaults, types, enums, bounds, patterns,
 *   and `x-kubernetes-validations` through a tiny CEL subset (see cel.ts);
 * - finalizers and synchronous owner-uid garbage collection; MicroTime strictness on Leases and the
 *   events.k8s.io/v1 create rules (builtin-validation.ts);
 * - test hooks: drop watches (cleanly or by reset), compact history (forces 410), send bookmarks, inject
 *   failures (N requests to a path answer a Status of any code, 429 as plain text, or a reset), request log.
 * Not emulated: authn/authz (RBAC), aggregated discovery, OpenAPI (`kubectl apply` needs `--validate=false`),
 * pagination (`limit` ignored, no `continue`), resourceVersion semantics on get/list (always latest),
 * granular list ownership in SSA (lists are atomic), conversion between CRD versions, admission webhooks,
 * built-in kinds' own validation and defaulting (beyond Leases and Events above; Deployment and StatefulSet replicas default to 1)
 * and their rich Table printers, dangling-owner GC, foreground/orphan finalizers (both act at once), dryRun,
 * fieldValidation=Strict/Warn, 504 for a too-new resourceVersion, namespace Terminating phase.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../core/index.js';
import { type InjectedFailure, KubeApiHandler, type LoggedRequest } from './server.js';

export type { InjectedFailure, LoggedRequest } from './server.js';

/** Options of `startKubeApiServer`. */
export interface KubeApiServerOptions {
  /** How many changes the watch history keeps; a watch from an older resourceVersion gets 410. */
  readonly historySize?: number;
  /** Time for timestamps and Table ages (default: the system clock). */
  readonly clock?: Pick<Clock, 'nowMs'>;
  /** Namespaces that exist from the start. */
  readonly namespaces?: readonly string[];
}

/** A running stand-in API server and its test hooks. */
export interface KubeApiServer {
  readonly url: string;
  readonly port: number;
  /** Every request answered so far (method, url, content type, accept). */
  readonly requests: readonly LoggedRequest[];
  /** The current cluster-wide resourceVersion. */
  readonly resourceVersion: () => string;
  /** How many watch streams are open now. */
  readonly openWatches: () => number;
  /** Resolves once at least `count` watch streams are open (default 1). */
  untilWatching(count?: number): Promise<void>;
  /** Ends every open watch: `end` cleanly (clients re-watch) or `reset` the connection (a network error). */
  dropWatches(how?: 'end' | 'reset'): void;
  /** Forgets the change history: the next watch from an older resourceVersion gets ERROR 410 Expired. */
  compactHistory(): void;
  /** Sends a BOOKMARK on every open watch that asked for them. */
  sendBookmarks(): void;
  /** Makes the next matching requests fail (default: once, 500 InternalError). */
  injectFailure(failure: InjectedFailure): void;
  stop(): Promise<void>;
}

/** Starts the stand-in on a free 127.0.0.1 port; resolves once it listens. */
export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const clock = options.clock ?? { nowMs: () => Date.now() };
  const handler = new KubeApiHandler(
    options.historySize ?? 1000,
    () => clock.nowMs(),
    options.namespaces ?? ['default'],
  );
  const server = createServer((request, response) => void handler.handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: handler.requests,
    resourceVersion: () => String(handler.store.currentRevision),
    openWatches: () => handler.watches.openCount,
    untilWatching: (count = 1) => handler.watches.untilOpen(count),
    dropWatches: (how = 'end') => handler.watches.dropAll(how),
    compactHistory: () => handler.store.compact(),
    sendBookmarks: () => handler.watches.sendBookmarks(),
    injectFailure: (failure) => handler.injectFailure(failure),
    stop: async () => {
      handler.watches.dropAll('end');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
