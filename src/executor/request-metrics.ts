import * as grpc from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';

/**
 * What the doors and the API report of each request they answer, for the request-duration histograms and the
 * debug log. The servers only measure; the service decides where it goes (prom-client, pino).
 */

/** One answered HTTP request. */
export interface HttpRequest {
  /** Which server answered: `api` or `external-metrics`. */
  readonly server: string;
  /** The route's pattern (`/v1/workloads/:name`), bounded as a label must be; `unmatched` for a 404. */
  readonly route: string;
  readonly method: string;
  readonly statusCode: number;
  /** The path asked for, query included (the debug log only: unbounded). */
  readonly url: string;
  readonly seconds: number;
}

/** One finished gRPC call: a unary call once answered, a stream once ended. */
export interface GrpcCall {
  /** The fully qualified service, e.g. `externalscaler.ExternalScaler`. */
  readonly service: string;
  readonly method: string;
  readonly type: 'unary' | 'server_stream';
  /** The status code as gRPC's own libraries name it (`OK`, `NotFound`, `InvalidArgument`, `Canceled`). */
  readonly code: string;
  readonly seconds: number;
}

/** Reports every response of `app` (Fastify's own timing, from the request's arrival to the response's end). */
export function observeHttpRequests(
  app: FastifyInstance,
  server: string,
  observe: (request: HttpRequest) => void,
): void {
  app.addHook('onResponse', async (request, reply) => {
    observe({
      server,
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      statusCode: reply.statusCode,
      url: request.url,
      seconds: reply.elapsedTime / 1000,
    });
  });
}

/**
 * The handlers of `definition`, each reporting its calls: a unary call when its callback answers, a server
 * stream when it ends (finished by the server, cancelled by the client, or failed).
 */
export function observeGrpcCalls(
  definition: grpc.ServiceDefinition,
  handlers: grpc.UntypedServiceImplementation,
  observe: (call: GrpcCall) => void,
): grpc.UntypedServiceImplementation {
  const observed: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    const { path, responseStream } = definition[method];
    const service = path.split('/')[1];
    const report = (type: GrpcCall['type'], code: grpc.status, startedMs: number) =>
      observe({ service, method, type, code: grpcCodeName(code), seconds: (performance.now() - startedMs) / 1000 });
    if (!responseStream) {
      const unary = handler as grpc.handleUnaryCall<unknown, unknown>;
      observed[method] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const startedMs = performance.now();
        unary(call, (error, value) => {
          report('unary', error ? (error.code ?? grpc.status.UNKNOWN) : grpc.status.OK, startedMs);
          callback(error, value);
        });
      }) as grpc.handleUnaryCall<unknown, unknown>;
    } else {
      const stream = handler as grpc.handleServerStreamingCall<unknown, unknown>;
      observed[method] = ((call: grpc.ServerWritableStream<unknown, unknown>) => {
        const startedMs = performance.now();
        let reported = false;
        const end = (code: grpc.status) => {
          if (reported) return;
          reported = true;
          report('server_stream', code, startedMs);
        };
        call.on('finish', () => end(grpc.status.OK));
        call.on('cancelled', () => end(grpc.status.CANCELLED));
        call.on('error', (error: Partial<grpc.StatusObject>) => end(error.code ?? grpc.status.UNKNOWN));
        stream(call);
      }) as grpc.handleServerStreamingCall<unknown, unknown>;
    }
  }
  return observed;
}

/** `NOT_FOUND` → `NotFound`, as grpc-go and the standard gRPC dashboards and alerts spell codes. */
export function grpcCodeName(code: grpc.status): string {
  if (code === grpc.status.OK) return 'OK';
  if (code === grpc.status.CANCELLED) return 'Canceled';
  const name = grpc.status[code] ?? 'UNKNOWN';
  return name.toLowerCase().replace(/(?:^|_)([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
