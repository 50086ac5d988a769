// dashboard/prometheus-rules.yml, checked by Debian's promtool (`check rules`, and `test rules` on
// dashboard/prometheus-rules.test.yml, one firing and one quiet case per alert), its runbook links followed to their
// anchors, and its PrometheusRule twin (k8s/components/prometheusrule, generated) rendered by `kubectl kustomize`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { prometheusRuleYaml } from '../../dashboard/prometheus-rule.js';
import { findObject, kustomize } from '../testing/kustomize.js';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

const run = promisify(execFile);
const rulesPath = join(repoRoot, 'dashboard/prometheus-rules.yml');
const unitTestsPath = join(repoRoot, 'dashboard/prometheus-rules.test.yml');

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly annotations?: Record<string, string>;
}
interface AlertTest {
  readonly alertname: string;
  readonly exp_alerts: unknown[];
}

async function rules(): Promise<Rule[]> {
  const file = parse(await readFile(rulesPath, 'utf8')) as { groups: { rules: Rule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

/** promtool's exit code and output (a failing check exits non-zero). */
async function promtool(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: repoRoot });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

test('promtool check rules accepts the rule file', async () => {
  const { code, output } = await promtool(['check', 'rules', rulesPath]);
  assert.equal(code, 0, output);
  assert.match(output, new RegExp(`SUCCESS: ${(await rules()).length} rules found`));
});

test('promtool test rules passes, with a firing and a quiet case for every alert', async () => {
  const { code, output } = await promtool(['test', 'rules', unitTestsPath]);
  assert.equal(code, 0, output);
  assert.match(output, /SUCCESS/);
  const unitTests = parse(await readFile(unitTestsPath, 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] };
  const cases = unitTests.tests.flatMap((t) => t.alert_rule_test ?? []);
  for (const { alert } of await rules()) {
    if (alert === undefined) continue;
    const own = cases.filter((c) => c.alertname === alert);
    assert.ok(
      own.some((c) => c.exp_alerts.length > 0),
      `${alert}: no case where it fires`,
    );
    assert.ok(
      own.some((c) => c.exp_alerts.length === 0),
      `${alert}: no case where it stays quiet`,
    );
  }
});

test('promtool test rules does fail on a wrong expectation (the unit tests are not vacuous)', async (t) => {
  const dir = await tempDir(t);
  await copyFile(rulesPath, join(dir, 'prometheus-rules.yml'));
  const tests = await readFile(unitTestsPath, 'utf8');
  const broken = tests.replace('Causes now: data-stale, prometheus-unreachable.', 'Causes now: model-missing.');
  assert.notEqual(broken, tests);
  await writeFile(join(dir, 'broken.test.yml'), broken);
  const { code, output } = await promtool(['test', 'rules', join(dir, 'broken.test.yml')]);
  assert.equal(code, 1);
  assert.match(output, /FAILED:[\s\S]*alertname: PrescaleFallbackActive/);
});

test('every alert has a summary, a description and a runbook link to a section of docs/operations.md', async () => {
  const operations = await readFile(join(repoRoot, 'docs/operations.md'), 'utf8');
  // GitHub's anchors: a heading lowercased, spaces to dashes, other punctuation dropped.
  const anchors = new Set(
    [...operations.matchAll(/^#+ (.+)$/gm)].map((m) =>
      m[1]
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  const alerts = (await rules()).filter((r) => r.alert !== undefined);
  assert.deepEqual(
    alerts.map((r) => r.alert),
    [
      'PrescaleDown',
      'PrescaleFallbackActive',
      'PrescaleForecastErrorHigh',
      'PrescaleModelStale',
      'PrescalePinnedAtMaxReplicas',
      'PrescaleIntervalCoverageLow',
      'PrescalePrometheusReadErrors',
    ],
  );
  for (const { alert, annotations = {} } of alerts) {
    assert.ok(annotations.summary && annotations.description, `${alert}: summary and description`);
    const link = /^docs\/operations\.md#(.+)$/.exec(annotations.runbook_url ?? '');
    assert.ok(link, `${alert}: runbook_url ${annotations.runbook_url}`);
    assert.ok(anchors.has(link[1]), `${alert}: no section #${link[1]} in docs/operations.md`);
  }
});

test('the PrometheusRule component holds the same groups, generated from the rule file (run npm run dashboard)', async () => {
  const rulesYaml = await readFile(rulesPath, 'utf8');
  const committed = await readFile(join(repoRoot, 'k8s/components/prometheusrule/prometheusrule.yaml'), 'utf8');
  assert.equal(committed, prometheusRuleYaml(rulesYaml));
  const rendered = findObject(await kustomize('k8s/components/prometheusrule'), 'PrometheusRule', 'prescale');
  assert.equal(rendered.apiVersion, 'monitoring.coreos.com/v1');
  assert.deepEqual(rendered.spec, parse(rulesYaml));
});
