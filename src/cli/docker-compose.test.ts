// deploy/docker-compose.yml, checked without a container engine: Debian's `docker-compose config` (1.29, as
// .ci/run installs it) validates and resolves the file; promtool checks its Prometheus configuration; its Prescale
// configuration is the one `prescale demo` runs with.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { safeParseServiceConfig } from '../config/service.js';
import { parseServiceConfigYaml } from '../config/service-yaml.js';
import { repoRoot } from '../testing/paths.js';
import { demoServiceConfig } from './demo-run.js';

const run = promisify(execFile);
const composeFile = join(repoRoot, 'deploy/docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  volumes?: string[];
  ports?: { published: number; target: number }[];
}

test('docker-compose config accepts the file: Prometheus, Grafana with the dashboard, Prescale and the demo app', async () => {
  const { stdout } = await run('docker-compose', ['-f', composeFile, 'config'], { cwd: repoRoot });
  const { services } = parse(stdout) as { services: Record<string, ComposeService> };
  assert.deepEqual(Object.keys(services).sort(), ['demo', 'grafana', 'prescale', 'prometheus']);

  // Prescale is built from the repo's image; the demo app is the same image running `prescale demo --app-only`.
  assert.deepEqual(services.prescale.build, { context: repoRoot, dockerfile: 'k8s/Dockerfile' });
  assert.equal(services.demo.image, services.prescale.image);
  assert.deepEqual(services.demo.command?.slice(0, 3), ['demo', '--app-only', 'http://prescale:8080']);
  assert.deepEqual(
    Object.fromEntries(Object.entries(services).map(([name, s]) => [name, s.ports?.map((p) => p.published) ?? []])),
    { demo: [], grafana: [3000], prescale: [8080], prometheus: [9090] },
  );

  const mounts = Object.values(services).flatMap((s) => s.volumes ?? []);
  const sources = mounts.map((m) => relative(repoRoot, m.split(':')[0]));
  assert.deepEqual(sources.sort(), [
    'dashboard/grafana.json',
    'dashboard/provisioning/dashboards',
    'dashboard/provisioning/datasources',
    'data',
    'deploy/prescale.yaml',
    'deploy/prometheus.yml',
  ]);
  for (const source of sources) {
    assert.ok(existsSync(join(repoRoot, source)), `${source} is mounted but missing`);
  }
  assert.ok(
    services.grafana.volumes?.includes(
      `${join(repoRoot, 'dashboard/grafana.json')}:/var/lib/grafana/dashboards/prescale/grafana.json:ro`,
    ),
    "the dashboard lands in the provisioning provider's path",
  );
});

test("deploy/prometheus.yml passes promtool and scrapes the demo app and Prescale at the compose services' ports", async () => {
  const path = join(repoRoot, 'deploy/prometheus.yml');
  await run('promtool', ['check', 'config', path]);
  const config = parse(await readFile(path, 'utf8')) as {
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };
  assert.deepEqual(
    config.scrape_configs.map((c) => [c.job_name, c.static_configs[0].targets]),
    [
      ['demo', ['demo:8081']],
      ['prescale', ['prescale:8080']],
    ],
  );
});

test("deploy/prescale.yaml is `prescale demo`'s own configuration, pointed at the compose Prometheus", async () => {
  const fromFile = parseServiceConfigYaml(await readFile(join(repoRoot, 'deploy/prescale.yaml'), 'utf8'));
  const demo = safeParseServiceConfig(
    demoServiceConfig({
      prometheusUrl: 'http://prometheus:9090',
      listen: '0.0.0.0:8080',
      kedaListen: '0.0.0.0:9000',
      modelsDir: '/var/lib/prescale/models',
    }),
  );
  assert.ok(demo.success);
  assert.deepEqual(fromFile, demo.data);
});
