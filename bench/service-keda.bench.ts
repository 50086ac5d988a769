// Latency of the KEDA external scaler's GetMetrics (what KEDA's metrics server calls on every HPA sync),
// measured by a real gRPC client built from the proto, in its own process. Target: p99 ≤ 2 ms.
// Command: npx tsx bench/service-keda.bench.ts
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { externalScalerLoaderOptions, externalScalerProtoPath, KedaScaler } from '../src/executor/index.js';

const CALLS = 20_000;
const WORKLOADS = 200;

interface Summary {
  readonly inFlight: number;
  readonly calls: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

type GetMetrics = (
  request: object,
  callback: (error: grpc.ServiceError | null, response: { metricValues: { metricValue: number }[] }) => void,
) => void;

/** The client side: `inFlight` concurrent callers, CALLS calls in all, each call timed. */
async function runClient(port: number, inFlight: number): Promise<Summary> {
  const definition = protoLoader.loadSync(externalScalerProtoPath, externalScalerLoaderOptions);
  const proto = grpc.loadPackageDefinition(definition) as unknown as {
    externalscaler: { ExternalScaler: new (address: string, credentials: grpc.ChannelCredentials) => grpc.Client };
  };
  const client = new proto.externalscaler.ExternalScaler(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as grpc.Client & {
    GetMetrics: GetMetrics;
  };
  const call = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const workload = `w${i % WORKLOADS}`;
      const started = performance.now();
      client.GetMetrics(
        {
          scaledObjectRef: { name: workload, namespace: 'default', scalerMetadata: { workload } },
          metricName: `prescale-${workload}`,
        },
        (error) => (error ? reject(error) : resolve(performance.now() - started)),
      );
    });
  for (let i = 0; i < 2000; i++) await call(i); // warm-up
  const latencies = new Float64Array(CALLS);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < CALLS) {
        const i = next++;
        latencies[i] = await call(i);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  client.close();
  latencies.sort();
  const at = (p: number) => latencies[Math.min(CALLS - 1, Math.floor(p * CALLS))];
  return { inFlight, calls: CALLS, seconds, p50: at(0.5), p99: at(0.99), max: latencies[CALLS - 1] };
}

if (process.argv[2] === 'client') {
  const summary = await runClient(Number(process.argv[3]), Number(process.argv[4]));
  process.send?.(summary);
} else {
  const scaler = await KedaScaler.start({ listen: '127.0.0.1:0' });
  for (let i = 0; i < WORKLOADS; i++) {
    await scaler.publish({
      workload: `w${i}`,
      namespace: 'default',
      replicas: 1 + (i % 17),
      source: 'plan',
      reason: 'bench',
      fallback: { active: false, reasons: [] },
      timestampSeconds: 0,
    });
  }
  const [load1] = loadavg();
  console.log(
    `machine: ${cpus().length} cores, load average ${load1.toFixed(1)} at the start (other work shares the cores)`,
  );
  console.log(`GetMetrics over gRPC (insecure, 127.0.0.1), ${WORKLOADS} workloads served, client in its own process`);
  let met = true;
  for (const inFlight of [1, 8, 32]) {
    const before = process.cpuUsage();
    const child = fork(fileURLToPath(import.meta.url), ['client', String(scaler.port), String(inFlight)], {
      execArgv: ['--import', 'tsx'],
    });
    const summary = await new Promise<Summary>((resolve, reject) => {
      child.once('message', (message) => resolve(message as Summary));
      child.once('error', reject);
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const cpu = process.cpuUsage(before);
    // The server's CPU time per call (warm-up calls included), independent of the machine's other load.
    const cpuMicros = (cpu.user + cpu.system) / (summary.calls + 2000);
    const f = (ms: number) => ms.toFixed(3);
    console.log(
      `${String(inFlight).padStart(2)} in flight: ${Math.round(summary.calls / summary.seconds)} calls/s  p50 ${f(summary.p50)} ms  p99 ${f(summary.p99)} ms  max ${f(summary.max)} ms  server CPU ${Math.round(cpuMicros)} µs/call`,
    );
    if (inFlight === 1) met = summary.p99 <= 2;
  }
  console.log(`target p99 ≤ 2 ms (one call in flight, as KEDA's metrics server calls): ${met ? 'met' : 'NOT met'}`);
  await scaler.close();
}
