// Every query of dashboard/grafana.json returns data from a real Prometheus (Debian's package) that scrapes a real
// `prescale serve` every second and loads dashboard/prometheus-rules.yml. The service's workload reads a synthetic
// Prometheus-like source: a load swinging between 20 and 80 every 40 s (so replicas go up and down), a latency
// crossing the objective, the target's replicas; its first requests are refused, so the run starts with Prometheus
// read errors and a fallback. The template variables take the values Grafana would offer (their own label_values
// queries, answered by the same Prometheus), and the built-ins those of a short time range at a 1 s scrape interval.
// Real time: the test polls until every query has data, with a deadline.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { prescaleDashboard } from '../../dashboard/grafana.js';
import { systemClock } from '../core/index.js';
import { dashboardQueries, substituteVariables } from '../testing/grafana-dashboard.js';
import { repoRoot } from '../testing/paths.js';
import { type PrescaleRun, prescale, servingPorts } from '../testing/prescale-cli.js';
import { freePort, type PrometheusServer, startPrometheus } from '../testing/prometheus-server.js';
import { type SyntheticPrometheus, startSyntheticPrometheus } from '../testing/synthetic-prometheus.js';

const PERIOD_SECONDS = 40;
const wave = (t: number) => Math.sin((2 * Math.PI * t) / PERIOD_SECONDS);
/** Requests the source refuses first: a few seconds of syncs at one per second. */
const REFUSED_REQUESTS = 12;
const DEADLINE_MS = 150_000;

let source: SyntheticPrometheus;
let prometheus: PrometheusServer;
let run: PrescaleRun;
let startedSeconds: number;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  source = await startSyntheticPrometheus(
    {
      demo_load: (t) => 50 + 30 * wave(t),
      demo_replicas: () => 3,
      demo_latency_seconds: (t) => 0.25 + 0.1 * wave(t),
    },
    REFUSED_REQUESTS,
  );
  cleanups.push(() => source.close());
  const apiPort = await freePort();
  prometheus = await startPrometheus([], {
    config: stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [join(repoRoot, 'dashboard/prometheus-rules.yml')],
      // The job name the rules expect: the Service's name, as the ServiceMonitor scrapes it.
      scrape_configs: [{ job_name: 'prescale', static_configs: [{ targets: [`127.0.0.1:${apiPort}`] }] }],
    }),
  });
  cleanups.push(() => prometheus.stop());
  const dir = await mkdtemp(join(tmpdir(), 'prescale-dashboard-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'prescale.yaml');
  await writeFile(
    config,
    stringify({
      prometheus: { url: source.url, retries: 0, timeout: '2s' },
      api: { listen: `127.0.0.1:${apiPort}` },
      keda: { listen: '127.0.0.1:0' },
      externalMetrics: { enabled: false },
      models: { dir: join(dir, 'models') },
      loop: { contextWindow: '10m', accuracyWindow: '60s', retrainRetry: '2s' },
      workloads: [
        {
          metadata: { name: 'web', namespace: 'shop' },
          spec: {
            targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
            integration: 'KEDA',
            model: 'naive',
            predictionHorizon: '60s',
            metric: { query: 'demo_load', step: '1s' },
            capacity: { perPod: 10 },
            minReplicas: 1,
            maxReplicas: 20,
            prediction: { history: '1h', retrainEvery: '1h' },
            planner: {
              podStartup: '5s',
              syncPeriod: '1s',
              scaleDown: { stabilizationWindow: '0s' },
              slo: { maxLoadPerPod: 12 },
            },
            fallback: { recoverAfter: '3s', maxError: 60 },
          },
          queries: { latency: 'demo_latency_seconds', replicas: 'demo_replicas' },
          pod: { costPerPodHour: 0.05 },
        },
      ],
    }),
  );
  startedSeconds = Math.floor(Date.now() / 1000);
  run = prescale(['serve', '--config', config]);
  cleanups.push(async () => {
    run.child.kill('SIGTERM');
    await run.exited;
  });
  await servingPorts(run);
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface QueryAnswer {
  readonly status: string;
  readonly error?: string;
  readonly data?: { result: { values?: unknown[]; value?: unknown }[] };
}

async function prometheusApi(path: string, params: Record<string, string>): Promise<QueryAnswer> {
  const response = await fetch(`${prometheus.url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
  return (await response.json()) as QueryAnswer;
}

/** A template variable's options as Grafana gets them for `label_values(selector, label)`. */
async function labelValues(query: string): Promise<string[]> {
  const parsed = /^label_values\((.+), (\w+)\)$/.exec(query);
  assert.ok(parsed, `not a label_values query: ${query}`);
  const url = new URL(`${prometheus.url}/api/v1/label/${parsed[2]}/values`);
  url.searchParams.set('match[]', parsed[1]);
  const body = (await (await fetch(url)).json()) as { data: string[] };
  return body.data;
}

/** The variables as Grafana would set them, each query variable on its first option; null while one has none. */
async function variableValues(): Promise<Record<string, string> | null> {
  const values: Record<string, string> = { latency_objective: '0.25' };
  for (const variable of prescaleDashboard().templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const options = await labelValues(substituteVariables(String(variable.query), values));
    if (options.length === 0) return null;
    values[variable.name] = options.sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))[0];
  }
  return values;
}

test('every query of the dashboard returns data from a real Prometheus scraping prescale serve', async () => {
  const queries = dashboardQueries(prescaleDashboard());
  const rules = parse(await readFile(join(repoRoot, 'dashboard/prometheus-rules.yml'), 'utf8'));
  const records: string[] = rules.groups
    .flatMap((group: { rules: { record?: string }[] }) => group.rules)
    .flatMap((rule: { record?: string }) => (rule.record === undefined ? [] : [rule.record]));
  let empty: string[] = ['(variables not resolved yet)'];
  const deadline = Date.now() + DEADLINE_MS;
  while (empty.length > 0) {
    assert.ok(
      Date.now() < deadline,
      `after ${DEADLINE_MS / 1000} s these queries still return nothing:\n${empty.join('\n')}\n` +
        `prescale serve printed:\n${run.output().slice(-3000)}`,
    );
    await systemClock.sleep(1000);
    const variables = await variableValues();
    if (variables === null) continue;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const rangeSeconds = nowSeconds - startedSeconds;
    // Grafana's built-ins for this time range at a 1 s scrape interval ($__rate_interval: four scrape intervals).
    Object.assign(variables, {
      __interval: '1s',
      __rate_interval: '4s',
      __range: `${rangeSeconds}s`,
      __range_s: String(rangeSeconds),
    });
    empty = [];
    for (const query of queries) {
      const expr = substituteVariables(query.expr, variables);
      const answer = query.instant
        ? await prometheusApi('/api/v1/query', { query: expr, time: String(nowSeconds) })
        : await prometheusApi('/api/v1/query_range', {
            query: expr,
            start: String(startedSeconds),
            end: String(nowSeconds),
            step: '1',
          });
      // A query Prometheus refuses never gets better: fail at once.
      assert.equal(answer.status, 'success', `${query.where}: ${expr}: ${answer.error}`);
      if ((answer.data?.result.length ?? 0) === 0) empty.push(`${query.where}: ${expr}`);
    }
    for (const record of records) {
      const answer = await prometheusApi('/api/v1/query', { query: record, time: String(nowSeconds) });
      if ((answer.data?.result.length ?? 0) === 0) empty.push(`recording rule ${record}`);
    }
  }
  // The story the data told: the source refused reads at first, and replicas moved both ways.
  assert.ok(source.requests() > REFUSED_REQUESTS);
});
