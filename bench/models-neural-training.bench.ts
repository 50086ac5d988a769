// Training time of the neural forecasters on the nasa-jul95 training split (target: the hybrid ≤ 5 minutes on this
// 2-core machine): npx tsx bench/models-neural-training.bench.ts [lstm|gru|prophet-lstm ...]
import { performance } from 'node:perf_hooks';
import { loadDataset } from '../src/experiments/datasets.js';
import { sliceSeries } from '../src/models/backtest.js';
import type { FittedNeural } from '../src/models/neural/index.js';
import { modelDefinition } from '../src/models/registry.js';

const models = process.argv.slice(2).length ? process.argv.slice(2) : ['prophet-lstm', 'lstm', 'gru'];
const { series, dataset } = await loadDataset('nasa-jul95');
const train = sliceSeries(series, dataset.train_start, dataset.train_end);
console.log(`nasa-jul95 training split: ${train.values.length} one-minute buckets (14 days)`);
for (const name of models) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const fitted = (await modelDefinition(name)
    .create({ seasonSeconds: dataset.season_seconds, horizonSteps: dataset.horizon_steps })
    .fit(train)) as FittedNeural;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const { training, validation } = fitted.parameters;
  const extra = training.extra
    ? ` (Prophet fits ${training.extra.prophetFits}, ${((training.extra.prophetMilliseconds as number) / 1000).toFixed(1)} s)`
    : '';
  console.log(
    `${name.padEnd(13)} wall ${wall.toFixed(1)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; ` +
      `${training.windows} training + ${training.validationWindows} validation windows, ${training.epochs.length} epochs (best ${training.bestEpoch})${extra}; ` +
      `validation RMSE ${validation.rmse.toFixed(2)}, coverage80 ${validation.coverage80.toFixed(3)}`,
  );
}
