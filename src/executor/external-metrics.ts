import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { PrescaleError } from '../core/index.js';
import { type LabelSelector, matchesSelector, parseLabelSelector } from './label-selector.js';
import { splitListen } from './listen.js';
import { type HttpRequest, observeHttpRequests } from './request-metrics.js';
import type { Publisher, RemoteDecisions, ScalingDecision } from './types.js';

/** The API group and version the aggregator proxies to us (docs/service.md). */
export const EXTERNAL_METRICS_GROUP = 'external.metrics.k8s.io';
const VERSION = 'v1beta1';
const GROUP_VERSION = `${EXTERNAL_METRICS_GROUP}/${VERSION}`;

/**
 * The one External metric Prescale serves: the published replicas of a workload. An HPA with
 * `target: {type: AverageValue, averageValue: "1"}` lands on it: the HPA proposes ceil(value / 1) (see
 * docs/service.md#external-metrics-api-srcexecutorexternal-metricsts). Lowercase, because client-go lowercases the
 * path segment.
 */
export const DESIRED_REPLICAS_METRIC = 'prescale_desired_replicas';

/** TLS material and the aggregation layer's front-proxy client-certificate check. */
export interface ExternalMetricsOptions {
  /** `host:port`; port 0 picks a free one (see `ExternalMetricsServer.port`). */
  readonly listen: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  /**
   * CA of the aggregator's front-proxy client certificate (`requestheader-client-ca-file`). When set, metric
   * and discovery requests must present a certificate it signed; when absent, authentication is left to
   * kube-apiserver and the network (weaker; see docs/service.md).
   */
  readonly requestheaderClientCa?: Buffer;
  /** Accepted client certificate CNs (`requestheader-allowed-names`); empty = any CN the CA signed. */
  readonly requestheaderAllowedNames?: readonly string[];
  /** Largest request body accepted (GETs carry none). Default 64 KiB. */
  readonly bodyLimitBytes?: number;
  /** Told of every answered request (request metrics, the debug log). */
  readonly observeRequest?: (request: HttpRequest) => void;
}

/** A `metav1.Status` error body, the shape the HPA's client expects on failure. */
function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** RFC 3339 in whole seconds, as Kubernetes writes `metav1.Time`. */
function rfc3339(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The External Metrics API (`external.metrics.k8s.io/v1beta1`) over TLS, as the kube-aggregator calls it:
 * the group and resource discovery documents and the `ExternalMetricValueList` endpoint, one item per
 * workload of the namespace whose labels (`workload`, `namespace`) match the HPA's selector. A door only:
 * it serves what `publish` last received and decides nothing.
 */
export class ExternalMetricsServer implements Publisher {
  readonly name = 'external-metrics';
  /**
   * Each namespace's served values by workload, built when published: a GET (every HPA, every 15 s) only matches
   * their labels and lists them, allocating nothing per workload.
   */
  private readonly valuesByNamespace = new Map<string, Map<string, ExternalMetricValue>>();
  /** The bound port (useful with `listen: "127.0.0.1:0"`). */
  port = 0;
  private remote: RemoteDecisions | null = null;

  private constructor(private readonly app: FastifyInstance) {}

  /**
   * Sharding: a selector also matches the workloads other replicas run, whose values are forwarded from their
   * owners; one whose owner does not answer is left out, as a workload unknown here (the HPA's CPU metric goes on).
   */
  forwardTo(remote: RemoteDecisions): void {
    this.remote = remote;
  }

  /** Starts the HTTPS server; resolves once it listens. */
  static async start(options: ExternalMetricsOptions): Promise<ExternalMetricsServer> {
    const clientCa = options.requestheaderClientCa;
    const app = Fastify({
      https: {
        cert: options.cert,
        key: options.key,
        // Request, not require, a client certificate: kubelet probes come without one.
        requestCert: clientCa !== undefined,
        rejectUnauthorized: false,
        ca: clientCa,
      },
      bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
      logger: false,
    });
    const server = new ExternalMetricsServer(app);
    if (options.observeRequest !== undefined) observeHttpRequests(app, 'external-metrics', options.observeRequest);
    server.routes(options);
    const { host, port } = splitListen(options.listen);
    await app.listen({ host, port });
    const address = app.server.address();
    server.port = typeof address === 'object' && address !== null ? address.port : port;
    return server;
  }

  async publish(decision: ScalingDecision): Promise<void> {
    let values = this.valuesByNamespace.get(decision.namespace);
    if (values === undefined) {
      values = new Map();
      this.valuesByNamespace.set(decision.namespace, values);
    }
    values.set(decision.workload, metricValue(decision));
  }

  async withdraw(namespace: string, workload: string): Promise<void> {
    this.valuesByNamespace.get(namespace)?.delete(workload);
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private routes(options: ExternalMetricsOptions): void {
    const app = this.app;
    const allowed = options.requestheaderAllowedNames ?? [];
    const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
      if (options.requestheaderClientCa === undefined) return;
      const socket = request.raw.socket as TLSSocket;
      if (!socket.authorized) {
        return reply
          .code(401)
          .send(
            status(
              401,
              'Unauthorized',
              'no client certificate signed by the requestheader client CA; only the kube-aggregator may call this API',
            ),
          );
      }
      const cn = socket.getPeerCertificate().subject?.CN;
      const commonName = Array.isArray(cn) ? cn[0] : cn;
      if (allowed.length > 0 && (commonName === undefined || !allowed.includes(commonName))) {
        return reply
          .code(403)
          .send(
            status(
              403,
              'Forbidden',
              `client certificate CN "${commonName ?? ''}" is not in requestheaderAllowedNames (${allowed.join(', ')})`,
            ),
          );
      }
    };

    app.setNotFoundHandler((request, reply) => {
      reply
        .code(404)
        .send(status(404, 'NotFound', `the server could not find the requested resource (${request.url})`));
    });
    app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
      const code = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
      reply.code(code).send(status(code, code === 500 ? 'InternalError' : 'BadRequest', error.message));
    });

    for (const path of ['/healthz', '/livez', '/readyz']) app.get(path, async () => 'ok');

    app.get('/apis', { onRequest: authenticate }, async () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [apiGroup()],
    }));
    app.get(`/apis/${EXTERNAL_METRICS_GROUP}`, { onRequest: authenticate }, async () => ({
      kind: 'APIGroup',
      apiVersion: 'v1',
      ...apiGroup(),
    }));
    app.get(`/apis/${GROUP_VERSION}`, { onRequest: authenticate }, async () => ({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: GROUP_VERSION,
      resources: [
        {
          name: DESIRED_REPLICAS_METRIC,
          singularName: '',
          namespaced: true,
          kind: 'ExternalMetricValueList',
          verbs: ['get'],
        },
      ],
    }));
    app.get<{ Params: { namespace: string; metric: string }; Querystring: { labelSelector?: string } }>(
      `/apis/${GROUP_VERSION}/namespaces/:namespace/:metric`,
      { onRequest: authenticate },
      async (request, reply) => {
        const { namespace, metric } = request.params;
        if (metric.toLowerCase() !== DESIRED_REPLICAS_METRIC) {
          return reply
            .code(404)
            .send(
              status(
                404,
                'NotFound',
                `metric "${metric}" is not served; Prescale serves ${DESIRED_REPLICAS_METRIC} (select the workload with labels workload=<name>)`,
              ),
            );
        }
        let selector: LabelSelector;
        try {
          selector = parseLabelSelector(request.query.labelSelector ?? '');
        } catch (error) {
          const message = error instanceof PrescaleError ? error.message : String(error);
          return reply.code(400).send(status(400, 'BadRequest', message));
        }
        return {
          kind: 'ExternalMetricValueList',
          apiVersion: GROUP_VERSION,
          metadata: {},
          items: await this.itemsFor(namespace, selector),
        };
      },
    );
  }

  /** One item per workload of the namespace whose labels match (here, or forwarded from its owner); the HPA sums them. */
  private async itemsFor(namespace: string, selector: LabelSelector): Promise<ExternalMetricValue[]> {
    const here = this.valuesByNamespace.get(namespace);
    const items: ExternalMetricValue[] = [];
    for (const value of here?.values() ?? []) {
      if (matchesSelector(selector, value.metricLabels)) items.push(value);
    }
    const remote = this.remote;
    if (remote === null) return items;
    const elsewhere = await Promise.all(
      remote
        .workloadsIn(namespace)
        .filter((workload) => !here?.has(workload) && matchesSelector(selector, { workload, namespace }))
        .map((workload) => remote.decision(this.name, namespace, workload)),
    );
    for (const decision of elsewhere) {
      if (typeof decision !== 'string') items.push(metricValue(decision));
    }
    return items;
  }
}

/** One item of an `ExternalMetricValueList`: a workload's published replicas, labelled so an HPA can select it. */
interface ExternalMetricValue {
  readonly metricName: string;
  readonly metricLabels: { readonly workload: string; readonly namespace: string };
  readonly timestamp: string;
  readonly value: string;
}

function metricValue(decision: ScalingDecision): ExternalMetricValue {
  return {
    metricName: DESIRED_REPLICAS_METRIC,
    metricLabels: { workload: decision.workload, namespace: decision.namespace },
    timestamp: rfc3339(decision.timestampSeconds),
    // A whole number of replicas is already a canonical Kubernetes quantity.
    value: String(decision.replicas),
  };
}

function apiGroup() {
  const version = { groupVersion: GROUP_VERSION, version: VERSION };
  return { name: EXTERNAL_METRICS_GROUP, versions: [version], preferredVersion: version };
}
