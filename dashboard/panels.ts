// The rows of Prescale's Grafana dashboard (dashboard/grafana.ts assembles them): each panel reads the metrics of
// docs/metrics.md for the selected namespace and workloads; docs/dashboard.md explains each panel.
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  type DashboardBuilder,
  type DynamicConfigValue,
  MappingType,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanelBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

/** The data source every panel reads: the `datasource` variable, which import fills from `__inputs`. */
export const datasource = { type: 'prometheus', uid: `\${datasource}` };

/** The selected workloads; panels repeated per workload get one workload each. */
export const selected = 'namespace="$namespace", workload=~"$workload"';

function query(refId: string, expr: string, legendFormat: string): DataqueryBuilder {
  return new DataqueryBuilder().refId(refId).expr(expr).legendFormat(legendFormat).range();
}

function instantQuery(refId: string, expr: string, legendFormat: string): DataqueryBuilder {
  return new DataqueryBuilder().refId(refId).expr(expr).legendFormat(legendFormat).instant();
}

function timeseries(title: string, description: string, unit: string): TimeseriesPanelBuilder {
  return new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .unit(unit)
    .height(9)
    .span(12)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi));
}

function stat(title: string, description: string, unit: string): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .unit(unit)
    .height(5)
    .span(6)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']));
}

/** A dashed, unfilled line: limits and objectives drawn beside the data. */
const dashed: DynamicConfigValue[] = [
  { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
  { id: 'custom.fillOpacity', value: 0 },
];

export function loadAndForecastRow(builder: DashboardBuilder): void {
  builder.withRow(new RowBuilder('Load and forecast'));
  builder.withPanel(
    timeseries(
      'Load vs forecast ($workload)',
      'The observed load (the workload’s metric.query) against the forecast made $horizon s earlier for the same ' +
        'moment, with its prediction interval as a band (lower to upper bound, nominal coverage in the Accuracy row).',
      'short',
    )
      .repeat('workload')
      .maxPerRow(2)
      .withTarget(query('A', `prescale_current_load{${selected}}`, 'load'))
      .withTarget(
        query(
          'B',
          `prescale_forecast{${selected}, horizon_seconds="$horizon", bound="point"} offset \${horizon}s`,
          'forecast',
        ),
      )
      .withTarget(
        query(
          'C',
          `prescale_forecast{${selected}, horizon_seconds="$horizon", bound="lower"} offset \${horizon}s`,
          'lower',
        ),
      )
      .withTarget(
        query(
          'D',
          `prescale_forecast{${selected}, horizon_seconds="$horizon", bound="upper"} offset \${horizon}s`,
          'upper',
        ),
      )
      .overrideByName('forecast', [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }])
      .overrideByName('lower', [
        { id: 'custom.lineWidth', value: 0 },
        { id: 'custom.hideFrom', value: { legend: true, tooltip: false, viz: false } },
      ])
      .overrideByName('upper', [
        { id: 'custom.lineWidth', value: 0 },
        { id: 'custom.fillBelowTo', value: 'lower' },
        { id: 'custom.fillOpacity', value: 20 },
        { id: 'displayName', value: 'interval' },
      ]),
  );
  builder.withPanel(
    timeseries(
      'Replicas: desired vs current vs reactive ($workload)',
      'desired: what Prescale publishes to Kubernetes; planned: the planner’s value from the forecast; current: the ' +
        'target’s replicas (queries.replicas); reactive: what an HPA alone would ask for now. Scaling decisions are ' +
        'the annotations.',
      'short',
    )
      .repeat('workload')
      .maxPerRow(2)
      .lineInterpolation(common.LineInterpolation.StepAfter)
      .withTarget(query('A', `prescale_desired_replicas{${selected}}`, 'desired'))
      .withTarget(query('B', `prescale_planned_replicas{${selected}}`, 'planned'))
      .withTarget(query('C', `prescale_current_replicas{${selected}}`, 'current'))
      .withTarget(query('D', `prescale_reactive_replicas{${selected}}`, 'reactive'))
      .withTarget(query('E', `prescale_spec_max_replicas{${selected}}`, 'maxReplicas'))
      .overrideByName('maxReplicas', dashed),
  );
}

export function fallbackRow(builder: DashboardBuilder): void {
  builder.withRow(new RowBuilder('Fallback'));
  builder.withPanel(
    new StateTimelinePanelBuilder()
      .title('Fallback periods')
      .description(
        'red while a workload publishes the reactive (or held) value instead of the plan, recovery period included',
      )
      .datasource(datasource)
      .height(6)
      .span(12)
      .mappings([
        {
          type: MappingType.ValueToText,
          options: {
            '0': { text: 'plan', color: 'green', index: 0 },
            '1': { text: 'fallback', color: 'red', index: 1 },
          },
        },
      ])
      .withTarget(query('A', `max by (workload) (prescale_fallback_active{${selected}})`, '{{workload}}')),
  );
  builder.withPanel(
    timeseries('Fallback causes', 'each cause keeping a workload in fallback (docs/metrics.md lists them)', 'short')
      .height(6)
      .drawStyle(common.GraphDrawStyle.Bars)
      .withTarget(
        query('A', `max by (workload, cause) (prescale_fallback_reason{${selected}}) == 1`, '{{workload}}: {{cause}}'),
      ),
  );
  builder.withPanel(
    timeseries(
      'Prometheus read errors',
      'syncs per second whose Prometheus read failed (a query refused or Prometheus out of reach): the log line ' +
        '"prometheus read failed" names the query and the reason',
      'ops',
    )
      .height(6)
      .withTarget(
        query(
          'A',
          `sum by (workload) (rate(prescale_prometheus_errors_total{${selected}}[$__rate_interval]))`,
          '{{workload}}',
        ),
      ),
  );
  builder.withPanel(
    timeseries(
      'Published from',
      'where the published replicas come from: plan, reactive, last-published or min-replicas',
      'short',
    )
      .height(6)
      .drawStyle(common.GraphDrawStyle.Bars)
      .withTarget(
        query(
          'A',
          `max by (workload, source) (prescale_desired_replicas_source{${selected}}) == 1`,
          '{{workload}}: {{source}}',
        ),
      ),
  );
}

export function accuracyRow(builder: DashboardBuilder): void {
  builder.withRow(new RowBuilder('Accuracy'));
  builder.withPanel(
    timeseries(
      'Online error',
      'rolling WAPE of past forecasts against what happened, per horizon and pooled over the horizons the plan ' +
        'reads; the error fallback judges against its threshold (fallback.maxError)',
      'percentunit',
    )
      .withTarget(
        query('A', `prescale_online_error_wape_ratio{${selected}}`, '{{workload}} WAPE at {{horizon_seconds}}s'),
      )
      .withTarget(query('B', `prescale_online_planning_error_wape_ratio{${selected}}`, '{{workload}} WAPE (plan)'))
      .withTarget(query('C', `prescale_rolling_error_ratio{${selected}}`, '{{workload}} error (fallback judges)'))
      .withTarget(query('D', `prescale_spec_fallback_max_error_ratio{${selected}}`, '{{workload}} fallback threshold'))
      .overrideByRegexp('.*fallback threshold', dashed),
  );
  builder.withPanel(
    timeseries(
      'Interval coverage',
      'share of actuals inside the forecast interval, per horizon, against its nominal coverage: well below it, the ' +
        'band is too narrow',
      'percentunit',
    )
      .min(0)
      .max(1)
      .withTarget(
        query(
          'A',
          `prescale_online_interval_coverage_ratio{${selected}}`,
          '{{workload}} coverage at {{horizon_seconds}}s',
        ),
      )
      .withTarget(query('B', `prescale_forecast_interval_level_ratio{${selected}}`, '{{workload}} nominal'))
      .overrideByRegexp('.*nominal', dashed),
  );
  builder.withPanel(
    stat('Model', 'the model serving each workload (with model: auto, the one auto chose)', 'short')
      .span(12)
      .textMode(common.BigValueTextMode.Name)
      .withTarget(
        instantQuery('A', `max by (workload, model) (prescale_model_info{${selected}})`, '{{workload}}: {{model}}'),
      ),
  );
  builder.withPanel(
    stat('Model age', 'time since the serving model was fitted; refitted every prediction.retrainEvery', 's')
      .span(12)
      .withTarget(
        instantQuery(
          'A',
          `max by (workload) (time() - prescale_model_last_fit_timestamp_seconds{${selected}})`,
          '{{workload}}',
        ),
      ),
  );
}

export function costAndSloRow(builder: DashboardBuilder): void {
  builder.withRow(new RowBuilder('Cost and SLO'));
  builder.withPanel(
    stat(
      'Estimated savings vs reactive',
      'pod-hours a reactive HPA alone would have run minus those Prescale asked for, over the time range',
      'short',
    ).withTarget(
      instantQuery(
        'A',
        `(sum(increase(prescale_reactive_pod_seconds_total{${selected}}[$__range])) - ` +
          `sum(increase(prescale_pod_seconds_total{${selected}}[$__range]))) / 3600`,
        'pod-hours saved',
      ),
    ),
  );
  builder.withPanel(
    stat(
      'Estimated savings per hour (price currency)',
      'cost per hour under a reactive HPA alone minus at the published replicas (pod.costPerPodHour; absent without it)',
      'short',
    ).withTarget(
      instantQuery(
        'A',
        `sum(prescale_reactive_estimated_cost_per_hour{${selected}}) - sum(prescale_estimated_cost_per_hour{${selected}})`,
        'saved per hour',
      ),
    ),
  );
  builder.withPanel(
    stat(
      'SLO-violation minutes',
      'minutes in the time range where the latency query (queries.latency) exceeded the objective ($latency_objective s)',
      'm',
    )
      .thresholds(
        new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
          { value: null, color: 'green' },
          { value: 1, color: 'red' },
        ]),
      )
      .withTarget(
        instantQuery(
          'A',
          `sum(avg_over_time((max by (workload) (prescale_current_latency_seconds{${selected}}) > bool $latency_objective)[$__range:])) * $__range_s / 60`,
          'minutes over objective',
        ),
      ),
  );
  builder.withPanel(
    stat(
      'Minutes over the SLO load per pod',
      'minutes in the time range where the load per replica exceeded planner.slo.maxLoadPerPod',
      'm',
    ).withTarget(
      instantQuery(
        'A',
        `sum(avg_over_time((max by (workload) (prescale_slo_load_per_pod_ratio{${selected}}) > bool 1)[$__range:])) * $__range_s / 60`,
        'minutes over SLO',
      ),
    ),
  );
  builder.withPanel(
    timeseries(
      'Pods: Prescale vs reactive',
      'average pods Prescale published against what a reactive HPA alone would have run; the gap is the saving',
      'short',
    )
      .withTarget(
        query(
          'A',
          `sum by (workload) (rate(prescale_pod_seconds_total{${selected}}[$__rate_interval]))`,
          '{{workload}} Prescale',
        ),
      )
      .withTarget(
        query(
          'B',
          `sum by (workload) (rate(prescale_reactive_pod_seconds_total{${selected}}[$__rate_interval]))`,
          '{{workload}} reactive',
        ),
      )
      .withTarget(
        query('C', `sum by (workload) (prescale_estimated_cost_per_hour{${selected}})`, '{{workload}} cost per hour'),
      )
      .overrideByRegexp('.*cost per hour', [
        { id: 'custom.axisPlacement', value: 'right' },
        { id: 'unit', value: 'short' },
      ]),
  );
  builder.withPanel(
    timeseries(
      'SLO signal',
      'latency from queries.latency against the objective, and load per replica ÷ planner.slo.maxLoadPerPod ' +
        '(above 1 the pods carry more than the SLO allows)',
      's',
    )
      .withTarget(query('A', `prescale_current_latency_seconds{${selected}}`, '{{workload}} latency'))
      .withTarget(query('B', 'vector($latency_objective)', 'latency objective'))
      .withTarget(query('C', `prescale_slo_load_per_pod_ratio{${selected}}`, '{{workload}} load per pod ÷ SLO'))
      .overrideByName('latency objective', dashed)
      .overrideByRegexp('.*÷ SLO', [
        { id: 'unit', value: 'percentunit' },
        { id: 'custom.axisPlacement', value: 'right' },
      ]),
  );
}

export function serviceRow(builder: DashboardBuilder): void {
  builder.withRow(new RowBuilder('Prescale service'));
  builder.withPanel(
    stat('Up', 'whether Prometheus can scrape prescale serve (its job is the $job variable)', 'short')
      .mappings([
        {
          type: MappingType.ValueToText,
          options: { '0': { text: 'down', color: 'red', index: 0 }, '1': { text: 'up', color: 'green', index: 1 } },
        },
      ])
      .withTarget(instantQuery('A', 'min(up{job="$job"})', 'up')),
  );
  builder.withPanel(
    stat('Version', 'prescale_build_info: Prescale’s version and Node.js’s', 'short')
      .textMode(common.BigValueTextMode.Name)
      .withTarget(
        instantQuery(
          'A',
          'max by (version, node_version) (prescale_build_info{job="$job"})',
          '{{version}} on {{node_version}}',
        ),
      ),
  );
  builder.withPanel(
    timeseries('Sync duration (p95)', 'one sync: read Prometheus, forecast, plan, publish', 's')
      .span(12)
      .withTarget(
        query(
          'A',
          `histogram_quantile(0.95, sum by (le, workload) (rate(prescale_decision_duration_seconds_bucket{${selected}}[$__rate_interval])))`,
          '{{workload}}',
        ),
      ),
  );
  builder.withPanel(
    timeseries(
      'HTTP requests',
      'requests per second to the API and the External Metrics API, by route and status',
      'reqps',
    ).withTarget(
      query(
        'A',
        'sum by (route, status_code) (rate(http_request_duration_seconds_count{job="$job"}[$__rate_interval]))',
        '{{route}} {{status_code}}',
      ),
    ),
  );
  builder.withPanel(
    timeseries(
      'Model fits',
      'background fits in each interval, by result (a failure keeps the last good model)',
      'short',
    )
      .drawStyle(common.GraphDrawStyle.Bars)
      .withTarget(
        query(
          'A',
          `sum by (workload, result) (increase(prescale_model_retrains_total{${selected}}[$__rate_interval]))`,
          '{{workload}} {{result}}',
        ),
      ),
  );
}
