import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { generate } from 'selfsigned';
import { externalScalerLoaderOptions, externalScalerProtoPath, KedaScaler } from './keda.js';
import type { ScalingDecision } from './types.js';

type SpecResponse = { metricSpecs: { metricName: string; targetSize: number; targetSizeFloat: number }[] };
type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;

/** A real gRPC client built from the proto file, as KEDA builds its own from the same contract. */
interface ExternalScalerClient extends grpc.Client {
  IsActive(ref: object, callback: Callback<{ result: boolean }>): void;
  GetMetricSpec(ref: object, callback: Callback<SpecResponse>): void;
  GetMetrics(
    request: object,
    callback: Callback<{ metricValues: { metricName: string; metricValue: number; metricValueFloat: number }[] }>,
  ): void;
  StreamIsActive(ref: object): grpc.ClientReadableStream<{ result: boolean }>;
  StreamMetricSpec(ref: object): grpc.ClientReadableStream<{ metricSpecs: { metricName: string }[] }>;
}

function clientConstructor(): new (address: string, credentials: grpc.ChannelCredentials) => ExternalScalerClient {
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: {
      ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => ExternalScalerClient;
    };
  };
  return proto.externalscaler.ExternalScaler;
}

function call<T>(fn: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, response) => (error ? reject(error) : resolve(response))));
}

function decision(workload: string, namespace: string, replicas: number): ScalingDecision {
  return {
    workload,
    namespace,
    replicas,
    source: 'plan',
    reason: 'planned from the forecast',
    fallback: { active: false, reasons: [] },
    timestampSeconds: 1_700_000_000,
  };
}

let scaler: KedaScaler;
let client: ExternalScalerClient;

before(async () => {
  scaler = await KedaScaler.start({ listen: '127.0.0.1:0' });
  await scaler.publish(decision('web', 'shop', 7));
  await scaler.publish(decision('batch', 'default', 0));
  const Client = clientConstructor();
  client = new Client(`127.0.0.1:${scaler.port}`, grpc.credentials.createInsecure());
});

after(async () => {
  client.close();
  await scaler.close();
});

const webRef = {
  name: 'web-so',
  namespace: 'shop',
  scalerMetadata: { scalerAddress: 'prescale:9000', workload: 'web' },
};

test('GetMetricSpec asks for a target of 1 per replica, in both the int64 and the float field', async () => {
  const response = await call<SpecResponse>((cb) => client.GetMetricSpec(webRef, cb));
  assert.deepEqual(response.metricSpecs, [{ metricName: 'prescale-web', targetSize: 1, targetSizeFloat: 1 }]);
});

const metricRows: { name: string; metricName: string }[] = [
  { name: 'the name from GetMetricSpec', metricName: 'prescale-web' },
  { name: 'lowercased or prefixed as KEDA may send it', metricName: 's0-PRESCALE-web' },
];

for (const row of metricRows) {
  test(`GetMetrics returns the published replicas: ${row.name}`, async () => {
    const response = await call<{
      metricValues: { metricName: string; metricValue: number; metricValueFloat: number }[];
    }>((cb) => client.GetMetrics({ scaledObjectRef: webRef, metricName: row.metricName }, cb));
    assert.deepEqual(response.metricValues, [{ metricName: row.metricName, metricValue: 7, metricValueFloat: 7 }]);
  });
}

test('KEDA AverageValue arithmetic lands the HPA on the published replicas from any current size', async () => {
  const [spec, metrics] = await Promise.all([
    call<{ metricSpecs: { targetSizeFloat: number }[] }>((cb) => client.GetMetricSpec(webRef, cb)),
    call<{ metricValues: { metricValueFloat: number }[] }>((cb) =>
      client.GetMetrics({ scaledObjectRef: webRef, metricName: 'prescale-web' }, cb),
    ),
  ]);
  const target = spec.metricSpecs[0].targetSizeFloat;
  const value = metrics.metricValues[0].metricValueFloat;
  for (const statusReplicas of [1, 2, 3, 12, 40]) {
    // The HPA on an External AverageValue metric (docs/hpa-emulation.md): ratio = v / (target × status); outside tolerance → ceil(v / target).
    const ratio = value / (target * statusReplicas);
    const proposal = ratio >= 0.9 && ratio <= 1.1 ? statusReplicas : Math.ceil(value / target);
    assert.equal(proposal, 7, `from ${statusReplicas} replicas`);
  }
});

test('IsActive is true with replicas to run, false at zero (scale to zero)', async () => {
  const web = await call<{ result: boolean }>((cb) => client.IsActive(webRef, cb));
  const batch = await call<{ result: boolean }>((cb) =>
    client.IsActive({ name: 'b', namespace: 'default', scalerMetadata: { workload: 'batch' } }, cb),
  );
  assert.deepEqual([web.result, batch.result], [true, false]);
});

const errorRows: { name: string; ref: object; metricName?: string; want: { code: grpc.status; text: string } }[] = [
  {
    name: 'no workload in the metadata',
    ref: { name: 'x', namespace: 'shop', scalerMetadata: {} },
    want: { code: grpc.status.INVALID_ARGUMENT, text: 'scalerMetadata.workload: missing' },
  },
  {
    name: 'a workload in another namespace',
    ref: { name: 'x', namespace: 'default', scalerMetadata: { workload: 'web' } },
    want: { code: grpc.status.NOT_FOUND, text: 'no workload "web" in namespace "default"' },
  },
  {
    name: 'an unknown metric name',
    ref: webRef,
    metricName: 'cpu',
    want: { code: grpc.status.NOT_FOUND, text: 'metricName: "cpu" is not served' },
  },
];

for (const row of errorRows) {
  test(`errors name the field to fix: ${row.name}`, async () => {
    await assert.rejects(
      call((cb) => client.GetMetrics({ scaledObjectRef: row.ref, metricName: row.metricName ?? 'prescale-web' }, cb)),
      (error: grpc.ServiceError) => {
        assert.equal(error.code, row.want.code);
        assert.ok(error.details.includes(row.want.text), error.details);
        assert.ok(error.details.includes('shop/web'), 'lists what is served');
        return true;
      },
    );
  });
}

test('metadata namespace overrides the ScaledObject namespace', async () => {
  const response = await call<{ result: boolean }>((cb) =>
    client.IsActive({ name: 'x', namespace: 'other', scalerMetadata: { workload: 'web', namespace: 'shop' } }, cb),
  );
  assert.equal(response.result, true);
});

test('StreamIsActive sends the state at once and again when activity flips', async () => {
  const ref = { name: 'b', namespace: 'default', scalerMetadata: { workload: 'batch' } };
  const stream = client.StreamIsActive(ref);
  const received: boolean[] = [];
  const firstTwo = new Promise<void>((resolve, reject) => {
    stream.on('data', (message: { result: boolean }) => {
      received.push(message.result);
      if (received.length === 2) resolve();
    });
    stream.on('error', (error) => {
      if ((error as grpc.ServiceError).code !== grpc.status.CANCELLED) reject(error);
    });
  });
  await new Promise((resolve) => stream.once('data', resolve));
  await scaler.publish(decision('batch', 'default', 0)); // no flip: nothing sent
  await scaler.publish(decision('batch', 'default', 3));
  await firstTwo;
  stream.cancel();
  assert.deepEqual(received, [false, true]);
  await scaler.publish(decision('batch', 'default', 0));
});

test('StreamMetricSpec sends the spec', async () => {
  const stream = client.StreamMetricSpec(webRef);
  const message = await new Promise<{ metricSpecs: { metricName: string }[] }>((resolve) =>
    stream.once('data', resolve),
  );
  stream.on('error', () => undefined);
  stream.cancel();
  assert.equal(message.metricSpecs[0].metricName, 'prescale-web');
});

test('with TLS, a client trusting the CA is served and a plaintext client is refused', async (t) => {
  const ca = await generate([{ name: 'commonName', value: 'prescale-test-ca' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const tlsScaler = await KedaScaler.start({
    listen: '127.0.0.1:0',
    tls: { cert: Buffer.from(server.cert), key: Buffer.from(server.private) },
  });
  t.after(() => tlsScaler.close());
  await tlsScaler.publish(decision('web', 'shop', 4));
  const Client = clientConstructor();
  const secure = new Client(`localhost:${tlsScaler.port}`, grpc.credentials.createSsl(Buffer.from(ca.cert)));
  t.after(() => secure.close());
  const response = await call<{ result: boolean }>((cb) => secure.IsActive(webRef, cb));
  assert.equal(response.result, true);
  const plain = new Client(`127.0.0.1:${tlsScaler.port}`, grpc.credentials.createInsecure());
  t.after(() => plain.close());
  await assert.rejects(
    call((cb) => plain.IsActive(webRef, cb)),
    (error: grpc.ServiceError) => error.code === grpc.status.UNAVAILABLE,
  );
});

test('a withdrawn workload is no longer served (its PredictiveAutoscaler was deleted)', async () => {
  await scaler.publish(decision('gone', 'shop', 3));
  const ref = { name: 'g', namespace: 'shop', scalerMetadata: { workload: 'gone' } };
  const served = await call<{ metricValues: { metricValue: number }[] }>((cb) =>
    client.GetMetrics({ scaledObjectRef: ref, metricName: 'prescale-gone' }, cb),
  );
  assert.equal(Number(served.metricValues[0].metricValue), 3);
  await scaler.withdraw('shop', 'gone');
  await assert.rejects(
    call((cb) => client.GetMetrics({ scaledObjectRef: ref, metricName: 'prescale-gone' }, cb)),
    (error: grpc.ServiceError) => error.code === grpc.status.NOT_FOUND && error.details.includes('no workload "gone"'),
  );
});
