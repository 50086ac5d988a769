import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '../core/index.js';

/** How to run a real Prometheus (Debian's `prometheus` package) on 127.0.0.1. */
export interface PrometheusProcessOptions {
  /** Holds `prometheus.yml` and the TSDB (`tsdb/`); kept across restarts. */
  readonly dir: string;
  readonly port: number;
  /** The whole prometheus.yml. */
  readonly configYaml: string;
  /** `--storage.tsdb.retention.time` (e.g. `100y` to keep old traces); Prometheus' default (15d) when absent. */
  readonly retention?: string;
  readonly readyTimeoutMs?: number;
  readonly clock: Clock;
}

/** Whether Prometheus is installed (on PATH). */
export async function prometheusInstalled(): Promise<boolean> {
  try {
    await promisify(execFile)('prometheus', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * A real Prometheus process: `start` writes the config, spawns it and resolves once `/-/ready` answers 200;
 * `stop` ends it (SIGTERM) and waits for it to exit. Restartable on the same port and TSDB, so a caller can take
 * Prometheus away and bring it back with its data (the end-to-end test's outage).
 */
export class PrometheusProcess {
  private child: ChildProcess | null = null;

  constructor(private readonly options: PrometheusProcessOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  async start(): Promise<void> {
    const { dir, port, configYaml, retention, readyTimeoutMs = 60_000, clock } = this.options;
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, configYaml);
    const child = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        ...(retention === undefined ? [] : [`--storage.tsdb.retention.time=${retention}`]),
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    for (let waitedMs = 0; waitedMs < readyTimeoutMs; waitedMs += 100) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`prometheus exited during startup: ${stderr.trim()}`);
      }
      try {
        const response = await fetch(`${this.url}/-/ready`);
        await response.text();
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await clock.sleep(100);
    }
    await this.stop();
    throw new Error(
      `prometheus did not become ready at ${this.url} within ${readyTimeoutMs / 1000} s: ${stderr.trim()}`,
    );
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
}

/** A prometheus.yml scraping one 127.0.0.1 target (and evaluating rules) every `intervalSeconds`. */
export function scrapeConfigYaml(job: string, targetPort: number, intervalSeconds: number): string {
  return [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    'scrape_configs:',
    `  - job_name: ${job}`,
    '    static_configs:',
    `      - targets: ['127.0.0.1:${targetPort}']`,
    '',
  ].join('\n');
}
