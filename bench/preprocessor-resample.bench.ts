// Throughput of resampleToStep (target ≥ 5 million input points/s): npx tsx bench/preprocessor-resample.bench.ts
import { performance } from 'node:perf_hooks';
import type { RawSeries } from '../src/core/index.js';
import { type Aggregation, resampleToStep } from '../src/preprocessor/resample.js';
import { readTraceCsv, sharedDataPath } from '../src/testing/trace-csv.js';

/** Best of `repeats` runs (after one warm-up), in million input points per second. */
function millionPointsPerSecond(
  raw: RawSeries,
  stepSeconds: number,
  aggregation: Aggregation,
  repeats: number,
): number {
  resampleToStep(raw, { stepSeconds, aggregation });
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    resampleToStep(raw, { stepSeconds, aggregation });
    best = Math.min(best, performance.now() - t0);
  }
  return raw.values.length / (best / 1000) / 1e6;
}

/** 10 s samples with jitter, like a scrape with irregular timing, starting at a real unix time. */
function syntheticRaw(points: number): RawSeries {
  const times = new Float64Array(points);
  const values = new Float64Array(points);
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 0; i < points; i++) {
    times[i] = 1_700_000_000 + i * 10 + random() * 9;
    values[i] = 50 + 30 * Math.sin((2 * Math.PI * i) / 8640) + random() * 5;
  }
  return { timestampsSeconds: times, values };
}

const synthetic = syntheticRaw(10_000_000);
const alibaba = readTraceCsv(sharedDataPath('alibaba2018/alibaba2018_cpu_util_10s_days3-8.csv'));
console.log('input                                   points  step  aggregation  M points/s');
for (const aggregation of ['mean', 'sum', 'last', 'max'] as const) {
  const rate = millionPointsPerSecond(synthetic, 60, aggregation, 5);
  console.log(
    `synthetic 10 s jittered            ${synthetic.values.length}    60  ${aggregation.padEnd(11)}  ${rate.toFixed(1)}`,
  );
}
const alibabaRate = millionPointsPerSecond(alibaba, 60, 'mean', 50);
console.log(
  `Alibaba 2018 CPU, 10 s samples       ${alibaba.values.length}    60  mean         ${alibabaRate.toFixed(1)}`,
);
