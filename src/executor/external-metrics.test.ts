import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, test } from 'node:test';
import { generate } from 'selfsigned';
import { DESIRED_REPLICAS_METRIC, ExternalMetricsServer } from './external-metrics.js';
import { splitListen } from './listen.js';
import type { ScalingDecision } from './types.js';

interface Pem {
  cert: string;
  key: string;
}

/** A CA, a certificate it signs, and for clients a second CA (the aggregator's front proxy) with its client. */
async function makeCa(name: string): Promise<Pem> {
  const ca = await generate([{ name: 'commonName', value: name }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true },
    ],
  });
  return { cert: ca.cert, key: ca.private };
}

async function signed(ca: Pem, commonName: string, usage: 'server' | 'client'): Promise<Pem> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'prescale.prescale.svc' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

let serverCa: Pem;
let frontProxyCa: Pem;
let aggregator: Pem;
let stranger: Pem;
let otherName: Pem;
let server: ExternalMetricsServer;

function decision(workload: string, namespace: string, replicas: number): ScalingDecision {
  return {
    workload,
    namespace,
    replicas,
    source: 'plan',
    reason: 'planned from the forecast',
    fallback: { active: false, reasons: [] },
    timestampSeconds: 1_787_227_200.7,
  };
}

before(async () => {
  serverCa = await makeCa('prescale-serving-ca');
  frontProxyCa = await makeCa('front-proxy-ca');
  const serving = await signed(serverCa, 'prescale.prescale.svc', 'server');
  aggregator = await signed(frontProxyCa, 'front-proxy-client', 'client');
  otherName = await signed(frontProxyCa, 'someone-else', 'client');
  stranger = await signed(await makeCa('untrusted-ca'), 'front-proxy-client', 'client');
  server = await ExternalMetricsServer.start({
    listen: '127.0.0.1:0',
    cert: Buffer.from(serving.cert),
    key: Buffer.from(serving.key),
    requestheaderClientCa: Buffer.from(frontProxyCa.cert),
    requestheaderAllowedNames: ['front-proxy-client'],
  });
  await server.publish(decision('web', 'shop', 7));
  await server.publish(decision('api', 'shop', 3));
  await server.publish(decision('web', 'staging', 1));
});

after(() => server.close());

interface MetricItem {
  metricName: string;
  metricLabels: Record<string, string>;
  timestamp: string;
  value: string;
}

/** The fields of the documents and Status bodies the tests read. */
interface ApiBody {
  kind: string;
  apiVersion: string;
  metadata: object;
  items: MetricItem[];
  groups: { preferredVersion: object }[];
  status: string;
  code: number;
  reason: string;
  message: string;
}

/** GETs a path over HTTPS the way the aggregator does: verifying our certificate, presenting its own. */
function get(path: string, client: Pem | null = aggregator): Promise<{ status: number; body: ApiBody }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: 'GET',
        ca: serverCa.cert,
        cert: client?.cert,
        key: client?.key,
        servername: 'prescale.prescale.svc',
        headers: { accept: 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const base = '/apis/external.metrics.k8s.io/v1beta1';

test('discovery: the API group and the resource list the aggregator checks', async () => {
  const group = await get('/apis/external.metrics.k8s.io');
  assert.equal(group.status, 200);
  const version = { groupVersion: 'external.metrics.k8s.io/v1beta1', version: 'v1beta1' };
  assert.deepEqual(group.body, {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: 'external.metrics.k8s.io',
    versions: [version],
    preferredVersion: version,
  });
  const groups = await get('/apis');
  assert.equal(groups.body.kind, 'APIGroupList');
  assert.deepEqual(groups.body.groups[0].preferredVersion, version);
  const resources = await get(base);
  assert.deepEqual(resources.body, {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: 'external.metrics.k8s.io/v1beta1',
    resources: [
      {
        name: 'prescale_desired_replicas',
        singularName: '',
        namespaced: true,
        kind: 'ExternalMetricValueList',
        verbs: ['get'],
      },
    ],
  });
});

const listRows: { name: string; path: string; want: { workload: string; value: string }[] }[] = [
  {
    name: 'the HPA selector picks one workload',
    path: `${base}/namespaces/shop/${DESIRED_REPLICAS_METRIC}?labelSelector=${encodeURIComponent('workload=web')}`,
    want: [{ workload: 'web', value: '7' }],
  },
  {
    name: 'set-based selector',
    path: `${base}/namespaces/shop/${DESIRED_REPLICAS_METRIC}?labelSelector=${encodeURIComponent('workload in (api,web)')}`,
    want: [
      { workload: 'web', value: '7' },
      { workload: 'api', value: '3' },
    ],
  },
  {
    name: 'no selector: every workload of the namespace, none of another',
    path: `${base}/namespaces/staging/${DESIRED_REPLICAS_METRIC}`,
    want: [{ workload: 'web', value: '1' }],
  },
  {
    name: 'the metric name in upper case (client-go lowercases, others may not)',
    path: `${base}/namespaces/shop/PRESCALE_DESIRED_REPLICAS?labelSelector=workload%3Dapi`,
    want: [{ workload: 'api', value: '3' }],
  },
  {
    name: 'a selector matching nothing gives an empty list',
    path: `${base}/namespaces/shop/${DESIRED_REPLICAS_METRIC}?labelSelector=workload%3Dnone`,
    want: [],
  },
];

for (const row of listRows) {
  test(`ExternalMetricValueList: ${row.name}`, async () => {
    const { status, body } = await get(row.path);
    assert.equal(status, 200);
    assert.equal(body.kind, 'ExternalMetricValueList');
    assert.equal(body.apiVersion, 'external.metrics.k8s.io/v1beta1');
    assert.deepEqual(body.metadata, {});
    assert.deepEqual(
      body.items.map((item) => ({
        workload: item.metricLabels.workload,
        value: item.value,
      })),
      row.want,
    );
    for (const item of body.items) {
      assert.equal(item.metricName, DESIRED_REPLICAS_METRIC);
      assert.equal(item.timestamp, '2026-08-20T12:00:00Z');
    }
  });
}

test('an HPA with an AverageValue target of 1 lands on the published replicas from any size', async () => {
  const { body } = await get(`${base}/namespaces/shop/${DESIRED_REPLICAS_METRIC}?labelSelector=workload%3Dweb`);
  // The HPA's External metric sums the items; AverageValue: ratio = v / (target × status), proposal ceil(v / target).
  const total = body.items.reduce((sum, item) => sum + Number(item.value), 0);
  for (const statusReplicas of [1, 3, 20]) {
    const ratio = total / statusReplicas;
    const proposal = ratio >= 0.9 && ratio <= 1.1 ? statusReplicas : Math.ceil(total / 1);
    assert.equal(proposal, 7);
  }
});

const errorRows: {
  name: string;
  path: string;
  client: 'aggregator' | 'none' | 'stranger' | 'other-cn';
  want: { status: number; reason: string; text: string };
}[] = [
  {
    name: 'an unknown metric',
    path: `${base}/namespaces/shop/cpu_usage`,
    client: 'aggregator',
    want: { status: 404, reason: 'NotFound', text: 'serves prescale_desired_replicas' },
  },
  {
    name: 'a malformed selector',
    path: `${base}/namespaces/shop/${DESIRED_REPLICAS_METRIC}?labelSelector=${encodeURIComponent('workload in ()')}`,
    client: 'aggregator',
    want: { status: 400, reason: 'BadRequest', text: 'labelSelector:' },
  },
  {
    name: 'no client certificate',
    path: base,
    client: 'none',
    want: { status: 401, reason: 'Unauthorized', text: 'requestheader client CA' },
  },
  {
    name: 'a client certificate from another CA',
    path: base,
    client: 'stranger',
    want: { status: 401, reason: 'Unauthorized', text: 'requestheader client CA' },
  },
  {
    name: 'a CN not in the allowed names',
    path: base,
    client: 'other-cn',
    want: { status: 403, reason: 'Forbidden', text: '"someone-else"' },
  },
  {
    name: 'an unknown path',
    path: '/apis/custom.metrics.k8s.io/v1beta2',
    client: 'aggregator',
    want: { status: 404, reason: 'NotFound', text: 'could not find' },
  },
];

for (const row of errorRows) {
  test(`errors come as metav1.Status: ${row.name}`, async () => {
    const client = { aggregator, none: null, stranger, 'other-cn': otherName }[row.client];
    const { status, body } = await get(row.path, client);
    assert.equal(status, row.want.status);
    assert.equal(body.kind, 'Status');
    assert.equal(body.status, 'Failure');
    assert.equal(body.code, row.want.status);
    assert.equal(body.reason, row.want.reason);
    assert.ok(body.message.includes(row.want.text), body.message);
  });
}

test('probes answer without a client certificate', async () => {
  for (const path of ['/healthz', '/livez', '/readyz']) {
    const { status } = await get(path, null);
    assert.equal(status, 200, path);
  }
});

test('a client that does not trust our CA cannot connect', async () => {
  await assert.rejects(
    new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: server.port, path: base, method: 'GET' }, resolve);
      req.on('error', reject);
      req.end();
    }),
    /self-signed|unable to verify|certificate/i,
  );
});

const listenRows: { name: string; input: string; want: { host: string; port: number } | 'error' }[] = [
  { name: 'IPv4', input: '0.0.0.0:6443', want: { host: '0.0.0.0', port: 6443 } },
  { name: 'IPv6', input: '[::]:6443', want: { host: '::', port: 6443 } },
  { name: 'port only', input: ':8443', want: { host: '0.0.0.0', port: 8443 } },
  { name: 'no port', input: 'localhost', want: 'error' },
];

for (const row of listenRows) {
  test(`splitListen: ${row.name}`, () => {
    if (row.want === 'error') {
      assert.throws(() => splitListen(row.input), { code: 'invalid-input', field: 'listen' });
    } else {
      assert.deepEqual(splitListen(row.input), row.want);
    }
  });
}

test('a withdrawn workload leaves the list (its PredictiveAutoscaler was deleted)', async () => {
  await server.publish(decision('gone', 'trash', 4));
  const path = `${base}/namespaces/trash/${DESIRED_REPLICAS_METRIC}`;
  assert.deepEqual(
    (await get(path)).body.items.map((item) => item.value),
    ['4'],
  );
  await server.withdraw('trash', 'gone');
  assert.deepEqual((await get(path)).body.items, []);
});
