import { resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { PrescaleError, type Series } from '../core/index.js';
import { formatDurationSeconds } from '../core/units.js';
import { BUNDLED_DATASETS_PATH, loadDataset } from '../experiments/datasets.js';
import type { EdaSource } from '../experiments/eda-report.js';
import { loadTraceSeries } from '../experiments/file-dataset.js';
import { createProgressBars } from './progress.js';
import type { RegisterCommand } from './run.js';
import { parsePositiveDuration } from './split-flags.js';

/** The `prescale eda` flags as commander hands them over. */
interface EdaFlags {
  dataset?: string;
  datasets?: string;
  file?: string;
  step?: string;
  out: string;
}

function invalidFlag(flag: string, message: string): PrescaleError {
  return new PrescaleError('invalid-input', `${flag}: ${message}`, { field: flag });
}

/** The series to explore and where it came from: a named dataset at its step, or a trace file at `--step`. */
async function edaInput(opts: EdaFlags): Promise<{ series: Series; source: EdaSource }> {
  const out = ` --out ${opts.out}`;
  if (opts.file === undefined) {
    if (opts.dataset === undefined) {
      throw invalidFlag('--dataset', 'required; name a dataset (e.g. --dataset nasa-jul95) or give --file with --step');
    }
    if (opts.step !== undefined) {
      throw invalidFlag('--step', "applies to --file only; a dataset's step is set in its datasets file");
    }
    const loaded = await loadDataset(opts.dataset, opts.datasets ?? BUNDLED_DATASETS_PATH);
    const datasets = opts.datasets === undefined ? '' : ` --datasets ${opts.datasets}`;
    return {
      series: loaded.series,
      source: {
        name: loaded.name,
        what: loaded.dataset.what,
        path: loaded.seriesPath,
        command: `prescale eda --dataset ${loaded.name}${datasets}${out}`,
      },
    };
  }
  if (opts.dataset !== undefined || opts.datasets !== undefined) {
    throw invalidFlag('--file', 'cannot be combined with --dataset or --datasets; give one source');
  }
  if (opts.step === undefined) throw invalidFlag('--step', 'required with --file; give the bucket size, e.g. 1m or 5m');
  const stepSeconds = parsePositiveDuration(opts.step, '--step');
  const series = await loadTraceSeries(opts.file, stepSeconds);
  return {
    series,
    source: {
      name: opts.file.split(/[\\/]/).at(-1) ?? opts.file,
      path: resolve(opts.file),
      command: `prescale eda --file ${opts.file} --step ${opts.step}${out}`,
    },
  };
}

/** `prescale eda`: a self-contained HTML report on one series (docs/eda.md). */
export const registerEda: RegisterCommand = (program, run) => {
  program
    .command('eda')
    .description(
      'exploratory report on a dataset or your own trace: series, gaps, anomalies, profiles, distribution, seasonality (HTML; docs/eda.md)',
    )
    .option('--dataset <name>', 'dataset name in the datasets file, e.g. nasa-jul95')
    .option('--datasets <file>', 'datasets file (default: the bundled data/datasets.json)')
    .option('--file <csv>', 'your own trace instead: timestamp,value / offset_seconds,value / ds,y; .gz ok')
    .option('--step <duration>', 'with --file: bucket size the trace is averaged to, e.g. 1m or 5m')
    .requiredOption('--out <file.html>', 'where to write the report')
    .action(
      run(async (opts: EdaFlags) => {
        const { series, source } = await edaInput(opts);
        // Loaded here, not at CLI start: vega is only needed to draw.
        const [{ exploreSeries }, { edaReportHtml }] = await Promise.all([
          import('../experiments/eda.js'),
          import('../experiments/eda-report.js'),
        ]);
        const bars = createProgressBars('eda');
        let html: string;
        let summary: ReturnType<typeof exploreSeries>;
        try {
          bars.update('analyse', 0, 1);
          summary = exploreSeries(series);
          bars.update('analyse', 1, 1);
          bars.update('render', 0, 1);
          html = await edaReportHtml(series, summary, source);
          bars.update('render', 1, 1);
        } finally {
          bars.stop();
        }
        await writeFileAtomic(opts.out, html, 'EDA report');
        const { stats, gaps, anomalies, seasonality } = summary;
        const periods = seasonality.periods
          .map((p) => `${formatDurationSeconds(p.periodSeconds)} (${p.strength.toFixed(2)})`)
          .join(', ');
        process.stdout.write(
          `${source.name}: ${stats.buckets} buckets of ${formatDurationSeconds(stats.stepSeconds)}, ` +
            `${gaps.count} gaps (${(gaps.missingShare * 100).toFixed(2)} % missing, longest ${formatDurationSeconds(gaps.longestSeconds)}), ` +
            `${anomalies.count} anomalies, seasonal periods: ${periods || 'none'}\nwrote ${opts.out}\n`,
        );
      }),
    );
};
