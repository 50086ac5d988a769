// The other processes of bench/service-doors-training.bench.ts, started with `fork` (IPC): in a cluster, Prometheus
// and the doors' callers (KEDA's metrics server, the apiserver's proxy for the HPA, a forecast client) are not in
// Prescale's process, so their CPU and GC must not be timed as the service's. `prometheus` serves the synthetic load
// and sends its URL; `clients` times one door at a time on the bench's request (WARM_UP_CALLS, then CALLS
// calls, one in flight) and sends back its percentiles and its slowest calls.
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { externalScalerLoaderOptions, externalScalerProtoPath } from '../src/executor/index.js';
import { startSyntheticPrometheus } from '../src/testing/synthetic-prometheus.js';
import { countOverlapping, epochMs, recordGc, type Span } from './service-gc.js';
import { mainThreadSchedule, scheduleBetween, type ThreadSchedule } from './thread-schedule.js';

/** Calls timed per door and phase, after WARM_UP_CALLS. */
const CALLS = 1000;
const WARM_UP_CALLS = 100;
/** Calls made for one door's timing, warm-up included (what the service answers meanwhile). */
export const TIMED_CALLS = WARM_UP_CALLS + CALLS;

/** The workloads' load (PromQL `bench_load`): a daily cycle with a faster ripple. */
export const benchLoad = (t: number) => 400 + 300 * Math.sin((2 * Math.PI * t) / 86_400) + 40 * Math.sin(t / 97);

/** The doors the clients time, in the order the bench asks for them. */
export const DOORS = ['KEDA GetMetrics', 'External Metrics GET', 'POST /v1/forecast'] as const;
export type Door = (typeof DOORS)[number];

/** What the clients need to know of the service. */
export interface ClientsSetup {
  readonly workloads: number;
  readonly kedaPort: number;
  readonly externalMetricsPort: number;
  readonly apiPort: number;
  readonly nowSeconds: number;
}

/** One door's latencies, milliseconds. */
export interface Latencies {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * One door's timing: its latencies, its calls at or above the p99 (the tail) with how many a client GC slowed, and
 * the client's main thread's time waiting for a core over the timed calls.
 */
export interface DoorTiming {
  readonly latencies: Latencies;
  readonly slowCalls: readonly Span[];
  readonly slowDuringClientGc: number;
  readonly client: ThreadSchedule | null;
  /** Bytes the client's thread allocated per timed call. */
  readonly clientBytesPerCall: number;
}

async function timed(call: (i: number) => Promise<unknown>): Promise<DoorTiming> {
  for (let i = 0; i < WARM_UP_CALLS; i++) await call(i);
  const calls: Span[] = [];
  const clientGc = recordGc();
  const scheduledBefore = mainThreadSchedule();
  for (let i = 0; i < CALLS; i++) {
    const startMs = epochMs();
    await call(i);
    calls.push({ startMs, endMs: epochMs() });
  }
  const client = scheduleBetween(scheduledBefore, mainThreadSchedule());
  const { pauses, allocatedBytes } = clientGc.stop();
  const ms = Float64Array.from(calls, (c) => c.endMs - c.startMs).sort();
  const p99 = ms[Math.floor(0.99 * CALLS)];
  const slowCalls = calls.filter((c) => c.endMs - c.startMs >= p99);
  return {
    latencies: { p50: ms[Math.floor(0.5 * CALLS)], p99, max: ms[CALLS - 1] },
    slowCalls,
    slowDuringClientGc: countOverlapping(slowCalls, pauses),
    client,
    clientBytesPerCall: allocatedBytes / CALLS,
  };
}

/** The three doors' callers: KEDA workloads are the even ones, HPA workloads the odd ones. */
function doorCalls(setup: ClientsSetup): Record<Door, (i: number) => Promise<void>> {
  const half = setup.workloads / 2;
  const proto = grpc.loadPackageDefinition(
    protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions),
  ) as unknown as {
    externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
  };
  const keda = new proto.externalscaler.ExternalScaler(
    `127.0.0.1:${setup.kedaPort}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & { GetMetrics(request: object, callback: (error: Error | null) => void): void };
  const httpsAgent = new HttpsAgent({ keepAlive: true, rejectUnauthorized: false });
  const httpAgent = new HttpAgent({ keepAlive: true });
  const body = JSON.stringify({
    model: 'served',
    series: {
      startSeconds: setup.nowSeconds - 150 * 60,
      values: Array.from({ length: 150 }, (_, i) => benchLoad(setup.nowSeconds - (150 - i) * 60)),
    },
    horizonSteps: 30,
    level: 0.8,
  });
  return {
    'KEDA GetMetrics': (i) =>
      new Promise<void>((resolve, reject) => {
        const workload = `w${2 * (i % half)}`;
        keda.GetMetrics(
          {
            scaledObjectRef: { name: workload, namespace: 'bench', scalerMetadata: { workload } },
            metricName: `prescale-${workload}`,
          },
          (error) => (error ? reject(error) : resolve()),
        );
      }),
    'External Metrics GET': (i) =>
      answered(httpsRequest, {
        host: '127.0.0.1',
        port: setup.externalMetricsPort,
        agent: httpsAgent,
        path: `/apis/external.metrics.k8s.io/v1beta1/namespaces/bench/prescale_desired_replicas?labelSelector=workload%3Dw${2 * (i % half) + 1}`,
      }),
    'POST /v1/forecast': () =>
      answered(
        httpRequest,
        {
          host: '127.0.0.1',
          port: setup.apiPort,
          agent: httpAgent,
          method: 'POST',
          path: '/v1/forecast',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        body,
      ),
  };
}

/**
 * One request on a keep-alive connection, resolved once the whole answer has arrived with status 200. Node's own
 * client, not fetch: undici's allocation made the client's collections a share of the tail it measures.
 */
function answered(send: typeof httpRequest, options: RequestOptions, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = send(options, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const role = process.send === undefined ? null : process.argv[2];
if (role === 'prometheus') {
  const prometheus = await startSyntheticPrometheus({ bench_load: benchLoad });
  process.send?.({ url: prometheus.url });
  process.once('disconnect', () => void prometheus.close());
} else if (role === 'clients') {
  let calls: Record<Door, (i: number) => Promise<void>> | null = null;
  process.on('message', async (message: { setup: ClientsSetup } | { door: Door }) => {
    if ('setup' in message) {
      calls = doorCalls(message.setup);
      process.send?.({ ready: true });
    } else {
      process.send?.(await timed(calls![message.door]));
    }
  });
  // The bench ends: the gRPC channel and the keep-alive agent must not hold the process open.
  process.once('disconnect', () => process.exit(0));
}
