// dashboard/grafana.json is generated from dashboard/grafana.ts (`npm run dashboard`) and committed: it must be what
// the code generates today, read only documented metrics, and carry what an import or a provisioning needs.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { grafanaJson, prescaleDashboard } from '../../dashboard/grafana.js';
import { dashboardQueries } from '../testing/grafana-dashboard.js';
import { repoRoot } from '../testing/paths.js';

test('the committed grafana.json is exactly what dashboard/grafana.ts generates (run npm run dashboard)', async () => {
  const committed = await readFile(join(repoRoot, 'dashboard/grafana.json'), 'utf8');
  assert.equal(committed, grafanaJson());
});

test('the dashboard asks for a Prometheus data source on import, and every panel and annotation reads it', () => {
  const dashboard = prescaleDashboard();
  assert.deepEqual(
    dashboard.__inputs.map((input) => [input.name, input.type, input.pluginId]),
    [['DS_PROMETHEUS', 'datasource', 'prometheus']],
  );
  const variables = dashboard.templating?.list ?? [];
  const variable = (name: string) => variables.find((v) => v.name === name);
  assert.equal(variable('datasource')?.type, 'datasource');
  assert.equal(variable('datasource')?.current?.value, `\${DS_PROMETHEUS}`);
  assert.match(String(variable('namespace')?.query), /^label_values\(prescale_desired_replicas, namespace\)$/);
  assert.match(String(variable('workload')?.query), /namespace="\$namespace"\}, workload\)$/);
  const queries = dashboardQueries(dashboard);
  assert.ok(queries.length >= 25, `${queries.length} queries`);
  for (const q of queries) assert.equal(q.datasourceUid, `\${datasource}`, q.where);
  const ids = (dashboard.panels ?? []).map((p) => (p as { id?: number }).id);
  assert.equal(new Set(ids).size, ids.length, 'unique panel ids');
});

test('every metric a dashboard query reads is documented in docs/metrics.md', async () => {
  const documented = await readFile(join(repoRoot, 'docs/metrics.md'), 'utf8');
  const missing: string[] = [];
  for (const q of dashboardQueries(prescaleDashboard())) {
    for (const name of q.expr.match(/\b(?:prescale|http|grpc|process|nodejs)_[a-z_]+/g) ?? []) {
      const family = name.replace(/_(bucket|count|sum)$/, '');
      if (!documented.includes(`\`${family}\``) && !documented.includes(family)) missing.push(`${q.where}: ${name}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('the provisioning files point Grafana at a default Prometheus and at a folder of dashboards', async () => {
  const datasources = parse(
    await readFile(join(repoRoot, 'dashboard/provisioning/datasources/prometheus.yaml'), 'utf8'),
  );
  assert.equal(datasources.apiVersion, 1);
  assert.deepEqual(
    datasources.datasources.map((d: { type: string; isDefault: boolean }) => [d.type, d.isDefault]),
    [['prometheus', true]],
  );
  const dashboards = parse(await readFile(join(repoRoot, 'dashboard/provisioning/dashboards/prescale.yaml'), 'utf8'));
  assert.equal(dashboards.apiVersion, 1);
  assert.equal(dashboards.providers[0].type, 'file');
  assert.match(dashboards.providers[0].options.path, /^\//);
});
