import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { type GrpcCall, observeGrpcCalls } from './request-metrics.js';
import type { Publisher, RemoteDecisions, ScalingDecision } from './types.js';

/** KEDA's `externalscaler.proto` (docs/service.md), shipped at the repo root. */
export const externalScalerProtoPath = fileURLToPath(new URL('../../proto/externalscaler.proto', import.meta.url));

/** How the proto is loaded on both sides: field names as written, int64 as JS numbers, defaults filled. */
export const externalScalerLoaderOptions: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** Where and how the external scaler listens. */
export interface KedaScalerOptions {
  /** `host:port`; port 0 picks a free one (see `KedaScaler.port`). */
  readonly listen: string;
  /** Serve TLS (the trigger's `enableTLS: "true"`); with `clientCa`, require KEDA's client certificate. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly clientCa?: Buffer };
  /** Told of every finished call (request metrics, the debug log). */
  readonly observeCall?: (call: GrpcCall) => void;
}

/** The External metric name KEDA registers for a workload (then prefixed `s<i>-` in the HPA). */
export function kedaMetricName(workload: string): string {
  return `prescale-${workload}`;
}

interface ScaledObjectRef {
  name: string;
  namespace: string;
  scalerMetadata: Record<string, string>;
}

interface GetMetricsRequest {
  scaledObjectRef: ScaledObjectRef | null;
  metricName: string;
}

/** A lookup failure with the gRPC status KEDA shows in the ScaledObject's events. */
class ScalerError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Prescale as a KEDA external scaler (`type: external` or `external-push`): serves each workload's published
 * replicas so that KEDA's HPA lands on them. The trigger's metadata selects the workload
 * (`workload: <name>`, optionally `namespace:`; default the ScaledObject's namespace).
 *
 * Values: `GetMetricSpec` asks for a target of 1 per replica, `GetMetrics` returns the published replica
 * count. KEDA's default `AverageValue` target makes the HPA divide the metric by the target only
 * (`ceil(value / 1)`, its rule for an External AverageValue target), not by the current pod count, so the HPA
 * proposes exactly the plan (subject to its ±10% tolerance and behavior). Both int64 and float fields are
 * filled with the same whole number (KEDA reads the float only when > 0). A door only: fallback was decided
 * before `publish`.
 */
export class KedaScaler implements Publisher {
  readonly name = 'keda';
  private readonly decisions = new Map<string, ScalingDecision>();
  private readonly activityWatchers = new Map<string, Set<(active: boolean) => void>>();
  private readonly streams = new Set<grpc.ServerWritableStream<unknown, unknown>>();

  /** The bound port (useful with `listen: "127.0.0.1:0"`). */
  port = 0;
  private remote: RemoteDecisions | null = null;

  private constructor(private readonly server: grpc.Server) {}

  /**
   * Sharding: answers the unary calls for workloads other replicas run by forwarding them to their owner. Streams
   * (`external-push`) are served only by the owner (the ScaledObjects Prescale owns use `external`).
   */
  forwardTo(remote: RemoteDecisions): void {
    this.remote = remote;
  }

  /** Starts the gRPC server; resolves once it is bound. */
  static async start(options: KedaScalerOptions): Promise<KedaScaler> {
    const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
    const proto = grpc.loadPackageDefinition(definition) as unknown as {
      externalscaler: { ExternalScaler: { service: grpc.ServiceDefinition } };
    };
    // grpc-js would also print its own line for a failed bind; the error is reported once, by the caller.
    grpc.setLogVerbosity(grpc.logVerbosity.NONE);
    const server = new grpc.Server();
    const scaler = new KedaScaler(server);
    const service = proto.externalscaler.ExternalScaler.service;
    const handlers = scaler.handlers();
    server.addService(
      service,
      options.observeCall === undefined ? handlers : observeGrpcCalls(service, handlers, options.observeCall),
    );
    const credentials =
      options.tls === undefined
        ? grpc.ServerCredentials.createInsecure()
        : grpc.ServerCredentials.createSsl(
            options.tls.clientCa ?? null,
            [{ private_key: options.tls.key, cert_chain: options.tls.cert }],
            options.tls.clientCa !== undefined,
          );
    scaler.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(options.listen, credentials, (error, bound) =>
        error ? reject(withSocketCode(error)) : resolve(bound),
      ),
    );
    return scaler;
  }

  async publish(decision: ScalingDecision): Promise<void> {
    const key = workloadKey(decision.namespace, decision.workload);
    const previous = this.decisions.get(key);
    this.decisions.set(key, decision);
    const active = decision.replicas > 0;
    if (previous !== undefined && previous.replicas > 0 === active) return;
    for (const notify of this.activityWatchers.get(key) ?? []) notify(active);
  }

  async withdraw(namespace: string, workload: string): Promise<void> {
    const key = workloadKey(namespace, workload);
    this.decisions.delete(key);
    // A StreamIsActive open for a workload that is gone says inactive once, as KEDA then scales to its minimum.
    for (const notify of this.activityWatchers.get(key) ?? []) notify(false);
  }

  /** Ends open streams and stops the server. */
  async close(): Promise<void> {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private handlers(): grpc.UntypedServiceImplementation {
    const unary =
      <Req, Res>(answer: (request: Req) => Promise<Res>) =>
      (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
        answer(call.request).then(
          (response) => callback(null, response),
          (error) => callback(asServiceError(error)),
        );
      };
    return {
      IsActive: unary(async (ref: ScaledObjectRef) => ({ result: (await this.lookup(ref)).replicas > 0 })),
      GetMetricSpec: unary(async (ref: ScaledObjectRef) => {
        const decision = await this.lookup(ref);
        return { metricSpecs: [{ metricName: kedaMetricName(decision.workload), targetSize: 1, targetSizeFloat: 1 }] };
      }),
      GetMetrics: unary(async (request: GetMetricsRequest) => {
        const decision = await this.lookup(request.scaledObjectRef);
        const expected = kedaMetricName(decision.workload);
        // KEDA strips its `s<i>-` prefix, but the name may arrive lowercased (keda#4954).
        const asked = request.metricName.replace(/^s\d+-/, '');
        if (asked.toLowerCase() !== expected.toLowerCase()) {
          throw new ScalerError(
            grpc.status.NOT_FOUND,
            `metricName: "${request.metricName}" is not served for workload ${decision.namespace}/${decision.workload}; ask for "${expected}" (from GetMetricSpec)`,
          );
        }
        return {
          metricValues: [
            { metricName: request.metricName, metricValue: decision.replicas, metricValueFloat: decision.replicas },
          ],
        };
      }),
      StreamIsActive: (call: grpc.ServerWritableStream<ScaledObjectRef, { result: boolean }>) => {
        let key: string;
        try {
          const decision = this.lookupHere(call.request);
          key = workloadKey(decision.namespace, decision.workload);
          call.write({ result: decision.replicas > 0 });
        } catch (error) {
          call.emit('error', asServiceError(error));
          return;
        }
        const notify = (active: boolean) => call.write({ result: active });
        const watchers = this.activityWatchers.get(key) ?? new Set();
        watchers.add(notify);
        this.activityWatchers.set(key, watchers);
        this.streams.add(call as grpc.ServerWritableStream<unknown, unknown>);
        call.on('cancelled', () => {
          watchers.delete(notify);
          this.streams.delete(call as grpc.ServerWritableStream<unknown, unknown>);
        });
      },
      StreamMetricSpec: (call: grpc.ServerWritableStream<ScaledObjectRef, unknown>) => {
        // The spec of a workload never changes while the service runs: send it once, keep the stream open.
        try {
          const decision = this.lookupHere(call.request);
          call.write({
            metricSpecs: [{ metricName: kedaMetricName(decision.workload), targetSize: 1, targetSizeFloat: 1 }],
          });
        } catch (error) {
          call.emit('error', asServiceError(error));
          return;
        }
        this.streams.add(call as grpc.ServerWritableStream<unknown, unknown>);
        call.on('cancelled', () => this.streams.delete(call as grpc.ServerWritableStream<unknown, unknown>));
      },
    };
  }

  /**
   * The decision for the workload a trigger names: this replica's, else (sharding) its owner's; or an error saying
   * which metadata to fix and what is served, or that the owner did not answer (UNAVAILABLE: KEDA counts a failure,
   * and past the ScaledObject's failureThreshold applies its `fallback:`).
   */
  private async lookup(ref: ScaledObjectRef | null): Promise<ScalingDecision> {
    const { namespace, workload } = this.workloadOf(ref);
    const local = this.decisions.get(workloadKey(namespace, workload));
    if (local !== undefined || this.remote === null) return local ?? this.notFound(namespace, workload);
    const remote = await this.remote.decision(this.name, namespace, workload);
    if (remote === 'unreachable') {
      throw new ScalerError(
        grpc.status.UNAVAILABLE,
        `workload "${namespace}/${workload}" is run by another Prescale replica, which did not answer; retry`,
      );
    }
    return remote === 'unknown' ? this.notFound(namespace, workload) : remote;
  }

  /** The decision this replica has for the workload a trigger names (streams are served by the owner only). */
  private lookupHere(ref: ScaledObjectRef | null): ScalingDecision {
    const { namespace, workload } = this.workloadOf(ref);
    return this.decisions.get(workloadKey(namespace, workload)) ?? this.notFound(namespace, workload);
  }

  /** The workload a trigger names, or an error saying which metadata to fix. */
  private workloadOf(ref: ScaledObjectRef | null): { namespace: string; workload: string } {
    const metadata = ref?.scalerMetadata ?? {};
    const workload = metadata.workload?.trim();
    if (!workload) {
      throw new ScalerError(
        grpc.status.INVALID_ARGUMENT,
        `scalerMetadata.workload: missing; add "workload: <name>" to the trigger's metadata (served: ${this.served()})`,
      );
    }
    return { namespace: metadata.namespace?.trim() || ref?.namespace || 'default', workload };
  }

  private notFound(namespace: string, workload: string): never {
    throw new ScalerError(
      grpc.status.NOT_FOUND,
      `scalerMetadata.workload: no workload "${workload}" in namespace "${namespace}" uses integration KEDA; served: ${this.served()}`,
    );
  }

  private served(): string {
    return [...this.decisions.keys()].sort().join(', ') || 'none yet';
  }
}

function workloadKey(namespace: string, workload: string): string {
  return `${namespace}/${workload}`;
}

function asServiceError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof ScalerError) return { code: error.code, details: error.message };
  return { code: grpc.status.INTERNAL, details: `internal error: ${(error as Error).message ?? String(error)}` };
}

/**
 * grpc-js reports a failed bind as "No address added … errors: [listen EADDRINUSE …]" without the socket's code;
 * the code is copied onto the error, so the caller can name the cause as it does for the HTTP servers.
 */
function withSocketCode(error: Error): Error {
  const code = /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/.exec(error.message)?.[1];
  return code === undefined ? error : Object.assign(error, { code });
}
