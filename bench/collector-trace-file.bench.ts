// Speed of readTraceFile / writeTraceFile on the real traces (target: a 50k-row file in well under 1 s):
// npx tsx bench/collector-trace-file.bench.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readTraceFile, writeTraceFile } from '../src/collector/index.js';

const dataDir = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const files = [
  'nasa-http/nasa_jul95_requests_per_minute.csv',
  'alibaba2018/alibaba2018_cpu_util_10s_days3-8.csv',
  'nab/realKnownCause/machine_temperature_system_failure.csv',
  'prophet/example_yosemite_temps.csv',
];

/** Best of `repeats` runs after one warm-up, in milliseconds. */
async function bestMs(run: () => Promise<unknown>, repeats = 5): Promise<number> {
  await run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const out = await mkdtemp(join(tmpdir(), 'prescale-bench-'));
try {
  process.stdout.write(
    '| file | rows | read ms | write ms | write .gz ms | read .gz ms |\n|---|---:|---:|---:|---:|---:|\n',
  );
  for (const file of files) {
    const path = join(dataDir, file);
    const trace = await readTraceFile(path);
    const readMs = await bestMs(() => readTraceFile(path));
    const plain = join(out, 'x.csv');
    const gz = join(out, 'x.csv.gz');
    const writeMs = await bestMs(() => writeTraceFile(plain, trace.series));
    const writeGzMs = await bestMs(() => writeTraceFile(gz, trace.series));
    const readGzMs = await bestMs(() => readTraceFile(gz));
    const rows = trace.series.values.length + trace.missingRows + trace.duplicateRows;
    process.stdout.write(
      `| ${file} | ${rows.toLocaleString('en-US')} | ${readMs.toFixed(1)} | ${writeMs.toFixed(1)} | ${writeGzMs.toFixed(1)} | ${readGzMs.toFixed(1)} |\n`,
    );
  }
} finally {
  await rm(out, { recursive: true, force: true });
}
