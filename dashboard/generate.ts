// `npm run dashboard`: writes the generated assets (committed; byte tests in src/dashboard/ fail when they are stale):
// dashboard/grafana.json from dashboard/grafana.ts, and the PrometheusRule of k8s/components/prometheusrule from
// dashboard/prometheus-rules.yml.
import { readFile, writeFile } from 'node:fs/promises';
import { grafanaJson } from './grafana.js';
import { prometheusRuleYaml } from './prometheus-rule.js';

const dir = new URL('./', import.meta.url);
await writeFile(new URL('grafana.json', dir), grafanaJson());
const rules = await readFile(new URL('prometheus-rules.yml', dir), 'utf8');
await writeFile(new URL('../k8s/components/prometheusrule/prometheusrule.yaml', dir), prometheusRuleYaml(rules));
