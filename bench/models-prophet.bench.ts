// Prophet fit time on 14 days of 1-minute data (target ≤ 3 s) and per-origin forecast time:
// npx tsx bench/models-prophet.bench.ts [--unaggregated]
// `--unaggregated` also times one plain augurs Prophet fit on the 20,160 one-minute points, for comparison.
import { performance } from 'node:perf_hooks';
import { optimizer } from '@bsull/augurs-prophet-wasmstan';
import { loadDataset } from '../src/experiments/datasets.js';
import { sliceSeries } from '../src/models/backtest.js';
import { prophetModel } from '../src/models/prophet.js';
import { loadAugurs } from '../src/preprocessor/index.js';
import { sharedDatasetsPath } from '../src/testing/paths.js';
import { benchModel, cpuMilliseconds } from './models-timing.js';

await benchModel(prophetModel, 5);

if (process.argv.includes('--unaggregated')) {
  const { dataset, series } = await loadDataset('nasa-jul95', sharedDatasetsPath);
  const train = sliceSeries(series, dataset.train_start, dataset.train_end);
  const ds = Array.from(train.values, (_, i) => train.startSeconds + i * train.stepSeconds);
  const model = new (loadAugurs('prophet').Prophet)({ optimizer, uncertaintySamples: 0 });
  const started = performance.now();
  const cpu = process.cpuUsage();
  model.fit({ ds, y: train.values });
  console.log(
    `one plain augurs Prophet fit on ${ds.length} 1-minute points: CPU ${cpuMilliseconds(cpu).toFixed(0)} ms, wall ${(performance.now() - started).toFixed(0)} ms`,
  );
  model.free();
}
