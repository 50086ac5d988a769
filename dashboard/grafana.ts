// Prescale's Grafana dashboard, written with @grafana/grafana-foundation-sdk (a dev dependency: the JSON is generated
// by `npm run dashboard` and committed as dashboard/grafana.json; src/dashboard/grafana-json.test.ts checks the bytes).
// Every metric and label it reads is listed in docs/metrics.md; docs/dashboard.md explains each panel.
import {
  AnnotationQueryBuilder,
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  accuracyRow,
  costAndSloRow,
  datasource,
  fallbackRow,
  loadAndForecastRow,
  selected,
  serviceRow,
} from './panels.js';

/**
 * What Grafana asks for when the JSON is imported (Dashboards → Import): the Prometheus data source. Provisioned,
 * the `datasource` variable falls back to the default Prometheus data source instead.
 */
const inputs = [
  {
    name: 'DS_PROMETHEUS',
    label: 'Prometheus',
    description: 'The Prometheus that scrapes prescale serve',
    type: 'datasource',
    pluginId: 'prometheus',
    pluginName: 'Prometheus',
  },
];

/** The dashboard as Grafana's JSON model, `__inputs` first as Grafana's own exports have it. */
export function prescaleDashboard(): Dashboard & { __inputs: typeof inputs } {
  const builder = new DashboardBuilder('Prescale')
    .uid('prescale-overview')
    .description('Predictive autoscaling by Prescale: load vs forecast, replicas, fallback, accuracy, cost and SLO')
    .tags(['prescale', 'autoscaling'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(
      new DatasourceVariableBuilder('datasource')
        .label('Data source')
        .type('prometheus')
        .current({ selected: false, text: `\${DS_PROMETHEUS}`, value: `\${DS_PROMETHEUS}` }),
    )
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Prescale job')
        .datasource(datasource)
        .query('label_values(prescale_build_info, job)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new QueryVariableBuilder('namespace')
        .label('Namespace')
        .datasource(datasource)
        .query('label_values(prescale_desired_replicas, namespace)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    )
    .withVariable(
      new QueryVariableBuilder('workload')
        .label('Workload')
        .datasource(datasource)
        .query('label_values(prescale_desired_replicas{namespace="$namespace"}, workload)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true),
    )
    .withVariable(
      new QueryVariableBuilder('horizon')
        .label('Forecast horizon (s)')
        .datasource(datasource)
        .query('label_values(prescale_forecast{namespace="$namespace"}, horizon_seconds)')
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.NumericalAsc),
    )
    .withVariable(
      new TextBoxVariableBuilder('latency_objective')
        .label('Latency objective (s)')
        .description('the latency above which a minute counts as an SLO violation (the config has no objective)')
        .defaultValue('0.25'),
    )
    .annotation(
      new AnnotationQueryBuilder()
        .name('Scaled up')
        .datasource(datasource)
        .enable(true)
        .iconColor('green')
        .expr(`prescale_desired_replicas{${selected}} - prescale_desired_replicas{${selected}} offset $__interval > 0`)
        .step('$__interval')
        .titleFormat('{{workload}} scaled up')
        .textFormat('reasons in the log line "replicas changed"')
        .tagKeys('namespace,workload'),
    )
    .annotation(
      new AnnotationQueryBuilder()
        .name('Scaled down')
        .datasource(datasource)
        .enable(true)
        .iconColor('orange')
        .expr(`prescale_desired_replicas{${selected}} - prescale_desired_replicas{${selected}} offset $__interval < 0`)
        .step('$__interval')
        .titleFormat('{{workload}} scaled down')
        .textFormat('reasons in the log line "replicas changed"')
        .tagKeys('namespace,workload'),
    );
  loadAndForecastRow(builder);
  fallbackRow(builder);
  accuracyRow(builder);
  costAndSloRow(builder);
  serviceRow(builder);
  const dashboard = builder.build();
  // The builder leaves panel ids out (rows get 0); Grafana keys panel links, repeats and state on unique ids.
  const panels = (dashboard.panels ?? []).map((panel, index) => ({ ...panel, id: index + 1 }));
  return { __inputs: inputs, ...dashboard, panels };
}

/** The committed file's bytes: stable key order from the builder, two-space indent, final newline. */
export function grafanaJson(): string {
  return JSON.stringify(prescaleDashboard(), null, 2) + '\n';
}
