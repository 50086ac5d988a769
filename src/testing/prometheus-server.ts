import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PrometheusProcess } from '../cli/prometheus-process.js';
import { type RawSeries, systemClock } from '../core/index.js';
import { formatSampleValue } from '../core/units.js';
import { freePort } from '../executor/listen.js';

export { freePort };

const execFileAsync = promisify(execFile);
const installHint = 'install the Debian package: apt-get update && apt-get install -y prometheus';

/** A real Prometheus process on 127.0.0.1 for tests; `stop` kills it and deletes its data directory. */
export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** One gauge series to preload into the server's TSDB (timestamps in unix seconds). */
export interface PreloadedGauge {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly series: RawSeries;
}

/** Fails with the install instruction when `binary` (prometheus or promtool) is not on PATH. */
async function requireBinary(binary: string): Promise<void> {
  try {
    await execFileAsync(binary, ['--version']);
  } catch (error) {
    throw new Error(`${binary} is not installed or not runnable (${(error as Error).message}); ${installHint}`);
  }
}

/** Writes gauges as OpenMetrics text (the input of `promtool tsdb create-blocks-from openmetrics`). */
export function toOpenMetrics(gauges: readonly PreloadedGauge[]): string {
  const lines: string[] = [];
  const byName = new Map<string, PreloadedGauge[]>();
  for (const gauge of gauges) byName.set(gauge.name, [...(byName.get(gauge.name) ?? []), gauge]);
  for (const [name, family] of byName) {
    lines.push(`# TYPE ${name} gauge`);
    for (const { labels = {}, series } of family) {
      const labelText = Object.entries(labels)
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(',');
      const selector = labelText === '' ? name : `${name}{${labelText}}`;
      for (let i = 0; i < series.values.length; i++) {
        lines.push(`${selector} ${formatSampleValue(series.values[i])} ${series.timestampsSeconds[i]}`);
      }
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/**
 * Starts a real Prometheus (Debian's `prometheus` package), by default with no scrape targets, on a free 127.0.0.1
 * port and a temp TSDB, preloaded with `gauges` through `promtool tsdb create-blocks-from openmetrics`.
 * Retention is 100y so old traces (1995) are kept. Resolves once `/-/ready` answers 200.
 */
export async function startPrometheus(
  gauges: readonly PreloadedGauge[] = [],
  options: {
    /** The whole prometheus.yml (scrape targets, rule files); by default none. */
    readonly config?: string;
  } = {},
): Promise<PrometheusServer> {
  await requireBinary('prometheus');
  await requireBinary('promtool');
  const dataDir = await mkdtemp(join(tmpdir(), 'prescale-prometheus-'));
  const tsdbDir = join(dataDir, 'tsdb');
  try {
    if (gauges.length > 0) {
      const openMetricsFile = join(dataDir, 'preload.om');
      await writeFile(openMetricsFile, toOpenMetrics(gauges));
      // Large blocks: the default 2h blocks turn a month of data into ~330 blocks and a 20 s startup.
      await execFileAsync(
        'promtool',
        [
          'tsdb',
          'create-blocks-from',
          'openmetrics',
          '--quiet',
          '--max-block-duration=1000h',
          openMetricsFile,
          tsdbDir,
        ],
        {
          maxBuffer: 16 * 1024 * 1024,
        },
      );
    }
    let lastError: unknown;
    // The free port can be taken between asking and binding; try a few.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const prometheus = new PrometheusProcess({
        dir: dataDir,
        port,
        configYaml: options.config ?? 'global:\n  scrape_interval: 1h\nscrape_configs: []\n',
        retention: '100y',
        clock: systemClock,
      });
      try {
        await prometheus.start();
      } catch (error) {
        lastError = error;
        continue;
      }
      return {
        url: prometheus.url,
        port,
        dataDir,
        stop: async () => {
          await prometheus.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    }
    throw lastError;
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
