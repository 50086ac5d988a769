import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PrescaleError, systemClock } from '../core/index.js';
import { readNamedText } from '../core/named-file.js';
import { parseDurationSeconds, parseTimeSeconds } from '../core/units.js';
import type { RegisterCommand } from './run.js';

/** The flags of `prescale collect`, as text (commander gives strings). */
export interface CollectFlags {
  prometheus: string;
  query: string;
  start: string;
  end: string;
  step: string;
  out: string;
  bearerTokenFile?: string;
  basicAuth?: string;
  caFile?: string;
  seriesIndex?: string;
  timeout: string;
  retries: string;
}

/** What `collect` wrote, for the summary line. */
export interface CollectSummary {
  readonly out: string;
  readonly samples: number;
  readonly expectedSamples: number;
  readonly labels: string;
}

async function readSecretFile(path: string, flag: string): Promise<string> {
  // Secret files (Kubernetes service-account tokens, mounted secrets) often end with a newline.
  return (await readNamedText(path, { field: flag, fix: 'give a readable file' })).replace(/\r?\n$/, '');
}

function parseWholeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new PrescaleError('invalid-input', `${flag}: "${text}" is not a whole number ≥ 0`, { field: flag });
  }
  return value;
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/**
 * Reads one series from Prometheus and writes it as a trace file with its provenance in `# key: value`
 * lines. Every flag is checked before the first request, and the file is written whole or not at all.
 */
export async function collectToFile(
  flags: CollectFlags,
  nowSeconds: number,
  signal?: AbortSignal,
): Promise<CollectSummary> {
  const startSeconds = parseTimeSeconds(flags.start, '--start', nowSeconds);
  const endSeconds = parseTimeSeconds(flags.end, '--end', nowSeconds);
  if (endSeconds < startSeconds) {
    throw new PrescaleError(
      'invalid-input',
      `--end: ${isoSeconds(endSeconds)} is before --start (${isoSeconds(startSeconds)}); swap them`,
      { field: '--end' },
    );
  }
  const stepSeconds = parseDurationSeconds(flags.step, '--step');
  if (!(stepSeconds > 0)) {
    throw new PrescaleError('invalid-input', `--step: must be above zero; give a step like 30s`, { field: '--step' });
  }
  const timeoutSeconds = parseDurationSeconds(flags.timeout, '--timeout');
  if (!(timeoutSeconds > 0)) {
    throw new PrescaleError('invalid-input', `--timeout: must be above zero; give a timeout like 30s`, {
      field: '--timeout',
    });
  }
  const retries = parseWholeNumber(flags.retries, '--retries');
  const seriesIndex =
    flags.seriesIndex === undefined ? undefined : parseWholeNumber(flags.seriesIndex, '--series-index');
  if (flags.query.trim() === '') {
    throw new PrescaleError(
      'invalid-input',
      '--query: empty; give a PromQL expression such as sum(rate(http_requests_total[1m]))',
      {
        field: '--query',
      },
    );
  }
  if (flags.bearerTokenFile !== undefined && flags.basicAuth !== undefined) {
    throw new PrescaleError('invalid-input', '--basic-auth: cannot be combined with --bearer-token-file; choose one', {
      field: '--basic-auth',
    });
  }
  const bearerToken =
    flags.bearerTokenFile === undefined
      ? undefined
      : await readSecretFile(flags.bearerTokenFile, '--bearer-token-file');
  let basicAuth: { username: string; password: string } | undefined;
  if (flags.basicAuth !== undefined) {
    const colon = flags.basicAuth.indexOf(':');
    if (colon <= 0 || colon === flags.basicAuth.length - 1) {
      throw new PrescaleError(
        'invalid-input',
        `--basic-auth: "${flags.basicAuth}" is not user:password-file; give the user name and a file holding the password`,
        { field: '--basic-auth' },
      );
    }
    basicAuth = {
      username: flags.basicAuth.slice(0, colon),
      password: await readSecretFile(flags.basicAuth.slice(colon + 1), '--basic-auth'),
    };
  }
  try {
    await access(dirname(flags.out), constants.W_OK);
  } catch (error) {
    throw new PrescaleError(
      'invalid-input',
      `--out: directory "${dirname(flags.out)}" does not exist or is not writable; create it or choose another path`,
      { field: '--out', cause: error },
    );
  }

  // Loaded here, not at CLI start: the Prometheus client brings undici.
  const { formatLabels, PrometheusClient, selectSeries, writeTraceFile } = await import('../collector/index.js');
  const client = new PrometheusClient({
    baseUrl: flags.prometheus,
    bearerToken,
    basicAuth,
    caFile: flags.caFile,
    timeoutSeconds,
    retries,
  });
  try {
    const query = { query: flags.query, startSeconds, endSeconds, stepSeconds };
    const result = await client.queryRange(query, signal);
    if (result.length === 0) {
      throw new PrescaleError(
        'invalid-input',
        `--query: returned no data between ${isoSeconds(startSeconds)} and ${isoSeconds(endSeconds)}; check the query and the range in the Prometheus UI`,
        { field: '--query' },
      );
    }
    const { labels, series } = selectSeries(flags.query, result, seriesIndex);
    const url = new URL(flags.prometheus);
    await writeTraceFile(flags.out, series, {
      source: 'prometheus',
      prometheus: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
      query: flags.query.replace(/\s*[\r\n]+\s*/g, ' '),
      start: isoSeconds(startSeconds),
      end: isoSeconds(endSeconds),
      'step-seconds': String(stepSeconds),
      labels: formatLabels(labels),
      'collected-at': isoSeconds(nowSeconds),
    });
    return {
      out: flags.out,
      samples: series.values.length,
      expectedSamples: Math.floor((endSeconds - startSeconds) / stepSeconds) + 1,
      labels: formatLabels(labels),
    };
  } finally {
    await client.close();
  }
}

/** `prescale collect`: save a Prometheus series as a trace file for backtests, replays and bug reports. */
export const registerCollect: RegisterCommand = (program, run) => {
  program
    .command('collect')
    .description('read one series from Prometheus (query_range) and save it as a trace file (timestamp,value CSV)')
    .requiredOption('--prometheus <url>', 'Prometheus server root, e.g. http://prometheus.monitoring:9090')
    .requiredOption(
      '--query <promql>',
      'PromQL returning one series, e.g. sum(rate(http_requests_total{job="api"}[1m]))',
    )
    .requiredOption('--start <time>', 'RFC 3339, unix seconds, or now-7d')
    .requiredOption('--end <time>', 'RFC 3339, unix seconds, or now')
    .option('--step <duration>', 'resolution: 30s, 1m, or seconds', '30s')
    .requiredOption('--out <file>', 'trace file to write (gzip when it ends in .gz); written whole or not at all')
    .option('--bearer-token-file <file>', 'file holding a bearer token (e.g. a service-account token)')
    .option('--basic-auth <user:password-file>', 'basic auth: user name, then a file holding the password')
    .option('--ca-file <file>', 'PEM CA certificate for https with a private CA')
    .option('--series-index <n>', 'when the query returns several series, take the n-th (in label order)')
    .option('--timeout <duration>', 'per HTTP request', '30s')
    .option('--retries <n>', 'extra attempts after 5xx, network errors and timeouts', '3')
    .action(
      run(async (flags: CollectFlags) => {
        const summary = await collectToFile(flags, systemClock.nowMs() / 1000);
        const gaps = summary.expectedSamples - summary.samples;
        process.stdout.write(
          `wrote ${summary.samples} samples of ${summary.labels} to ${summary.out}` +
            (gaps > 0 ? ` (${gaps} of ${summary.expectedSamples} steps had no data)` : '') +
            '\n',
        );
      }),
    );
};
