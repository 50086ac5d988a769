// Time to read a long series back from a real Prometheus through PrometheusClient.queryRange
// (chunked under the 11,000-step limit): npx tsx bench/collector-prometheus.bench.ts
// Needs Debian's prometheus package (prometheus + promtool).
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PrometheusClient, readTraceFile } from '../src/collector/index.js';
import { startPrometheus } from '../src/testing/prometheus-server.js';

const nasaPath = fileURLToPath(
  new URL('../../shared/data/nasa-http/nasa_jul95_requests_per_minute.csv', import.meta.url),
);
const nasa = (await readTraceFile(nasaPath)).series;
const t0 = performance.now();
const server = await startPrometheus([{ name: 'nasa_requests_per_minute', series: nasa }]);
const startupMs = performance.now() - t0;
try {
  const client = new PrometheusClient({ baseUrl: server.url });
  const startSeconds = nasa.timestampsSeconds[0];
  const endSeconds = nasa.timestampsSeconds[nasa.timestampsSeconds.length - 1];
  const query = { query: 'nasa_requests_per_minute', startSeconds, endSeconds, stepSeconds: 60 };
  await client.queryRange(query);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t1 = performance.now();
    await client.queryRange(query);
    best = Math.min(best, performance.now() - t1);
  }
  const points = nasa.values.length;
  process.stdout.write(
    `promtool blocks + prometheus ready: ${startupMs.toFixed(0)} ms\n` +
      `queryRange ${points} points (${Math.ceil(points / 11_001)} requests): best ${best.toFixed(0)} ms, ` +
      `${((points / best) * 1000).toFixed(0)} points/s\n`,
  );
} finally {
  await server.stop();
}
