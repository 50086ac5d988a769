import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import Fastify from 'fastify';
import { externalScalerLoaderOptions, externalScalerProtoPath, KedaScaler } from './keda.js';
import { type GrpcCall, grpcCodeName, type HttpRequest, observeHttpRequests } from './request-metrics.js';

// What the API, the External Metrics API and the KEDA scaler report of each request: real servers on 127.0.0.1,
// real clients, and the reports awaited as they arrive (a stream is reported when it ends).

test('gRPC codes are spelled as grpc-go and the standard gRPC dashboards spell them', () => {
  const rows: [grpc.status, string][] = [
    [grpc.status.OK, 'OK'],
    [grpc.status.CANCELLED, 'Canceled'],
    [grpc.status.NOT_FOUND, 'NotFound'],
    [grpc.status.INVALID_ARGUMENT, 'InvalidArgument'],
    [grpc.status.DEADLINE_EXCEEDED, 'DeadlineExceeded'],
    [grpc.status.RESOURCE_EXHAUSTED, 'ResourceExhausted'],
    [grpc.status.INTERNAL, 'Internal'],
    [grpc.status.UNAUTHENTICATED, 'Unauthenticated'],
  ];
  for (const [code, name] of rows) assert.equal(grpcCodeName(code), name, grpc.status[code]);
});

/** Collects reports and lets a test wait for the n-th one. */
class Reports<T> {
  readonly seen: T[] = [];
  private waiting: { count: number; resolve: () => void }[] = [];
  readonly add = (report: T): void => {
    this.seen.push(report);
    for (const w of this.waiting.filter((w) => this.seen.length >= w.count)) w.resolve();
    this.waiting = this.waiting.filter((w) => this.seen.length < w.count);
  };
  until(count: number): Promise<void> {
    if (this.seen.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ count, resolve }));
  }
}

test('the KEDA scaler reports each unary call when answered and each stream when it ends, with its code', async (t) => {
  const reports = new Reports<GrpcCall>();
  const scaler = await KedaScaler.start({ listen: '127.0.0.1:0', observeCall: reports.add });
  t.after(() => scaler.close());
  await scaler.publish({
    workload: 'web',
    namespace: 'shop',
    replicas: 3,
    source: 'plan',
    reason: 'planned',
    fallback: { active: false, reasons: [] },
    timestampSeconds: 0,
  });
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
  };
  const client = new proto.externalscaler.ExternalScaler(
    `127.0.0.1:${scaler.port}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & {
    IsActive(ref: object, cb: (e: grpc.ServiceError | null) => void): void;
    StreamIsActive(ref: object): grpc.ClientReadableStream<{ result: boolean }>;
  };
  t.after(() => client.close());
  const ref = (metadata: Record<string, string>) => ({ name: 'web', namespace: 'shop', scalerMetadata: metadata });
  const isActive = (metadata: Record<string, string>) =>
    new Promise<void>((resolve) => client.IsActive(ref(metadata), () => resolve()));

  await isActive({ workload: 'web' });
  await isActive({ workload: 'nosuch' });
  await isActive({});
  // A stream KEDA keeps open, then cancels; and one for a workload that is not served.
  const stream = client.StreamIsActive(ref({ workload: 'web' }));
  await new Promise((resolve) => stream.once('data', resolve));
  stream.on('error', () => undefined);
  stream.cancel();
  await reports.until(4);
  const refused = client.StreamIsActive(ref({ workload: 'nosuch' }));
  await new Promise((resolve) => refused.once('error', resolve));
  await reports.until(5);

  assert.deepEqual(
    reports.seen.map(({ service, method, type, code }) => [service, method, type, code]),
    [
      ['externalscaler.ExternalScaler', 'IsActive', 'unary', 'OK'],
      ['externalscaler.ExternalScaler', 'IsActive', 'unary', 'NotFound'],
      ['externalscaler.ExternalScaler', 'IsActive', 'unary', 'InvalidArgument'],
      ['externalscaler.ExternalScaler', 'StreamIsActive', 'server_stream', 'Canceled'],
      ['externalscaler.ExternalScaler', 'StreamIsActive', 'server_stream', 'NotFound'],
    ],
  );
  for (const report of reports.seen) assert.ok(report.seconds >= 0 && report.seconds < 60);
});

test('an HTTP server reports each response with its route pattern, or "unmatched"', async (t) => {
  const reports = new Reports<HttpRequest>();
  const app = Fastify();
  observeHttpRequests(app, 'api', reports.add);
  app.get('/things/:id', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  assert.equal((await fetch(`${base}/things/42?x=1`)).status, 200);
  assert.equal((await fetch(`${base}/elsewhere`)).status, 404);
  await reports.until(2);
  assert.deepEqual(
    reports.seen.map(({ server, route, method, statusCode, url }) => ({ server, route, method, statusCode, url })),
    [
      { server: 'api', route: '/things/:id', method: 'GET', statusCode: 200, url: '/things/42?x=1' },
      { server: 'api', route: 'unmatched', method: 'GET', statusCode: 404, url: '/elsewhere' },
    ],
  );
});
