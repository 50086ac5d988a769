import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { generate } from 'selfsigned';
import { systemClock } from '../core/index.js';
import {
  DESIRED_REPLICAS_METRIC,
  ExternalMetricsServer,
  externalScalerLoaderOptions,
  externalScalerProtoPath,
  freePort,
  KedaScaler,
  type ScalingDecision,
} from '../executor/index.js';
import { buildHttpApi } from '../predictor/http-api.js';
import { ServiceMetrics } from '../predictor/metrics.js';
import type { WorkloadStatus } from '../predictor/workload-status.js';
import { ManualClock } from '../testing/manual-clock.js';
import { runningWorkload } from '../testing/workload-status-fixture.js';
import { type ShardDirectory, ShardForwarding } from './shard-forwarding.js';

// The doors of one replica answer for workloads another replica owns, with real servers on 127.0.0.1: the owner's
// HTTP API (what `prescale serve` listens with), and this replica's KEDA scaler (gRPC) and External Metrics API
// (HTTPS) forwarding to it. An owner that refuses the connection or does not answer in time: KEDA gets UNAVAILABLE
// and the External Metrics API leaves the workload out, as for one it does not know.

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
interface ScalerClient extends grpc.Client {
  GetMetrics(request: object, callback: Callback<{ metricValues: { metricValue: number }[] }>): void;
  IsActive(ref: object, callback: Callback<{ result: boolean }>): void;
}

const here = (workload: string): ScalingDecision => ({
  workload,
  namespace: 'shop',
  replicas: 2,
  source: 'plan',
  reason: 'planned here',
  fallback: { active: false, reasons: [] },
  timestampSeconds: 1_796_281_200,
});

/** What the owner runs: `api` through KEDA (9 replicas), `web` through the HPA door (7). */
const ownerStatuses: WorkloadStatus[] = [
  runningWorkload({ name: 'api', integration: 'KEDA', published: { ...here('api'), replicas: 9 } } as never),
  runningWorkload({ name: 'web', integration: 'HPA', published: { ...here('web'), replicas: 7 } } as never),
];

let ownerApi: ReturnType<typeof buildHttpApi>;
let ownerAddress: string;
/** A peer that accepts connections and never answers. */
let silent: Server;
const silentSockets = new Set<Socket>();
let scaler: KedaScaler;
let metrics: ExternalMetricsServer;
let client: ScalerClient;
let ca: string;
/** The member each key belongs to (what the membership would say), and each member's address. */
const owners = new Map<string, string>();
const addresses = new Map<string, string>();
const resourceKeys = ['shop/api', 'shop/web', 'shop/local', 'shop/lost'];
const directory: ShardDirectory = {
  ownerOf: (key) => owners.get(key) ?? null,
  addressOf: (member) => addresses.get(member) ?? null,
};

before(async () => {
  ownerApi = buildHttpApi(
    {
      workloads: () => ownerStatuses,
      model: () => undefined,
      modelNames: () => [],
      history: () => [],
      metrics: new ServiceMetrics({ processMetrics: false }),
      health: () => ({ ok: true, reasons: [] }),
      readiness: () => ({ ok: true, reasons: [] }),
    },
    { bodyLimitBytes: 64 * 1024 },
  );
  await ownerApi.listen({ host: '127.0.0.1', port: 0 });
  ownerAddress = `127.0.0.1:${(ownerApi.server.address() as { port: number }).port}`;
  silent = createServer((socket) => silentSockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  addresses.set('prescale-1', ownerAddress);
  // A port nothing listens on: connections are refused.
  addresses.set('prescale-2', `127.0.0.1:${await freePort()}`);
  addresses.set('prescale-3', `127.0.0.1:${(silent.address() as { port: number }).port}`);
  owners.set('shop/api', 'prescale-1');
  owners.set('shop/web', 'prescale-1');
  owners.set('shop/local', 'prescale-0');
  owners.set('shop/lost', 'prescale-2');
  owners.set('shop/silent', 'prescale-3');

  const pems = await generate([{ name: 'commonName', value: 'prescale.prescale.svc' }], {
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  ca = pems.cert;
  const forwarding = new ShardForwarding({
    directory,
    self: 'prescale-0',
    resourceKeys: (namespace) => resourceKeys.filter((key) => key.startsWith(`${namespace}/`)),
    clock: systemClock,
  });
  scaler = await KedaScaler.start({ listen: '127.0.0.1:0' });
  metrics = await ExternalMetricsServer.start({
    listen: '127.0.0.1:0',
    cert: Buffer.from(pems.cert),
    key: Buffer.from(pems.private),
  });
  for (const door of [scaler, metrics]) {
    await door.publish(here('local'));
    door.forwardTo(forwarding);
  }
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => ScalerClient };
  };
  client = new proto.externalscaler.ExternalScaler(`127.0.0.1:${scaler.port}`, grpc.credentials.createInsecure());
});

after(async () => {
  client.close();
  await scaler.close();
  await metrics.close();
  await ownerApi.close();
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

function getMetrics(workload: string): Promise<number> {
  return new Promise((resolve, reject) =>
    client.GetMetrics(
      {
        scaledObjectRef: { name: workload, namespace: 'shop', scalerMetadata: { workload } },
        metricName: `s0-prescale-${workload}`,
      },
      (error, response) => (error ? reject(error) : resolve(response.metricValues[0].metricValue)),
    ),
  );
}

/** The External Metrics API's items for a selector, as the HPA reads them: `workload → value`. */
function externalItems(labelSelector: string): Promise<Record<string, string>> {
  const path = `/apis/external.metrics.k8s.io/v1beta1/namespaces/shop/${DESIRED_REPLICAS_METRIC}?labelSelector=${encodeURIComponent(labelSelector)}`;
  return new Promise((resolve, reject) => {
    const request = httpsRequest({ host: '127.0.0.1', port: metrics.port, path, ca }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => {
        const body = JSON.parse(text) as { items: { metricLabels: { workload: string }; value: string }[] };
        resolve(Object.fromEntries(body.items.map((item) => [item.metricLabels.workload, item.value])));
      });
    });
    request.on('error', reject);
    request.end();
  });
}

test('KEDA: a workload another replica owns is answered with its owner’s value; its own as before', async () => {
  assert.equal(await getMetrics('api'), 9, 'forwarded to prescale-1');
  assert.equal(await getMetrics('local'), 2, 'answered here');
});

test('KEDA: a workload its owner serves through the other door is not found, as an unknown one', async () => {
  await assert.rejects(getMetrics('web'), (error: grpc.ServiceError) => {
    assert.equal(error.code, grpc.status.NOT_FOUND);
    assert.match(error.details, /no workload "web" in namespace "shop" uses integration KEDA/);
    return true;
  });
  await assert.rejects(getMetrics('nobody'), (error: grpc.ServiceError) => error.code === grpc.status.NOT_FOUND);
});

test('External Metrics API: a selector matches workloads here and elsewhere, each with its owner’s value', async () => {
  assert.deepEqual(await externalItems('workload=web'), { web: '7' });
  // The KEDA workload `api` is not served through this door, and `lost`'s owner does not answer: left out.
  assert.deepEqual(await externalItems('workload in (web,local,api,lost)'), { local: '2', web: '7' });
});

test('an owner that refuses connections: KEDA gets UNAVAILABLE naming the workload; the HPA door leaves it out', async () => {
  await assert.rejects(getMetrics('lost'), (error: grpc.ServiceError) => {
    assert.equal(error.code, grpc.status.UNAVAILABLE);
    assert.match(error.details, /"shop\/lost" is run by another Prescale replica, which did not answer/);
    return true;
  });
  assert.deepEqual(await externalItems('workload=lost'), {});
});

test('an owner that does not answer: unreachable once the timeout passes on the injected clock', async () => {
  const clock = new ManualClock(0);
  const forwarding = new ShardForwarding({
    directory,
    self: 'prescale-0',
    resourceKeys: () => resourceKeys,
    clock,
    timeoutMs: 1000,
  });
  const pending = forwarding.decision('keda', 'shop', 'silent');
  await clock.whenSleeping(1);
  await clock.advance(999);
  const early = await Promise.race([pending, new Promise((resolve) => setImmediate(() => resolve('waiting')))]);
  assert.equal(early, 'waiting', 'still waiting before the timeout');
  await clock.advance(1);
  assert.equal(await pending, 'unreachable');
  assert.deepEqual(forwarding.workloadsIn('shop'), ['api', 'web', 'local', 'lost'], 'every resource of the namespace');
  assert.equal(await forwarding.decision('keda', 'shop', 'local'), 'unknown', 'its own: nothing to forward');
});
