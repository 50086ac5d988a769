import type * as vl from 'vega-lite';
import type { HpaSpec } from '../hpa/types.js';
import type { SimulationConfig } from '../simulator/config.js';
import type { SimulationRecord } from '../simulator/simulate.js';
import { type Aggregate, type RunSummary, violatesSlo } from '../simulator/summary.js';
import { escapeHtml, POLICY_COLORS, REPORT_STYLE, renderSvg } from './chart.js';
import type { DatasetExperiment, ExperimentResult } from './experiment.js';
import { frontierHtml } from './frontier-report.js';
import { POLICY_NAMES, type PolicyName } from './policy-names.js';
import type { Provenance } from './results.js';

/** What each policy is, in the table's first column (the CLI names stay the keys). */
const POLICY_LABELS: Record<PolicyName, string> = {
  hpa: 'hpa',
  'hpa-tuned': 'hpa-tuned',
  prescale: 'prescale',
  oracle: 'oracle (planner + true future)',
  'oracle-cost': 'oracle-cost (the limit)',
  static: 'static',
  rl: 'rl (DQN agent)',
};

const CHART_WIDTH = 860;

type Row = Record<string, number | string | null>;

/** An HPA's metrics in a few words: `External prescale_desired_replicas + CPU at 70 %`. */
function describeMetrics(hpa: HpaSpec): string {
  return hpa.metrics
    .map((metric) => {
      if (metric.type === 'External') return `External ${metric.external.metric.name}`;
      if (metric.type === 'Resource' && metric.resource.target.type === 'Utilization') {
        return `${metric.resource.name.toUpperCase()} at ${metric.resource.target.averageUtilization} %`;
      }
      return metric.type;
    })
    .join(' + ');
}

/** The policies of a dataset in run order, each with its seed-1 run (the one plotted). */
function plottedRuns(d: DatasetExperiment): { policy: PolicyName; record: SimulationRecord }[] {
  return d.runs.filter((run) => run.seed === 1).map((run) => ({ policy: run.policy, record: run.record }));
}

/** Per-window series of one run for the charts: `windowMinutes` minutes per point, from minute `from` to `to`. */
function windowRows(
  record: SimulationRecord,
  policy: string,
  perPodRate: number,
  windowMinutes: number,
  from: number,
  to: number,
): { load: Row[]; series: Row[] } {
  const load: Row[] = [];
  const series: Row[] = [];
  let cumulativeCost = 0;
  for (let m = 0; m < from; m++) cumulativeCost += (record.billedPodSeconds[m] / 3600) * record.costPerPodHour;
  for (let w = from; w < to; w += windowMinutes) {
    const end = Math.min(to, w + windowMinutes);
    let requests = 0;
    let ready = 0;
    let replicas = 0;
    let worstP95 = Number.NaN;
    for (let m = w; m < end; m++) {
      requests += record.arrivals[m];
      ready += record.readyPodSeconds[m];
      replicas += record.specReplicas[m];
      if (Number.isFinite(record.p95Seconds[m]) && !(record.p95Seconds[m] <= worstP95)) worstP95 = record.p95Seconds[m];
      cumulativeCost += (record.billedPodSeconds[m] / 3600) * record.costPerPodHour;
    }
    const seconds = (end - w) * 60;
    const t = (record.startSeconds + w * 60) * 1000;
    load.push({ t, value: requests / seconds });
    series.push({
      t,
      policy,
      capacity: (ready / seconds) * perPodRate,
      replicas: replicas / (end - w),
      p95: Number.isFinite(worstP95) ? Math.min(worstP95 * 1000, 60_000) : null,
      cost: cumulativeCost,
    });
  }
  return { load, series };
}

const timeAxis = (title: string) => ({
  field: 't',
  type: 'temporal' as const,
  scale: { type: 'utc' as const },
  axis: { title, format: '%a %d %H:%M', labelAngle: 0, tickCount: 8 },
});

const colorScale = (policies: readonly string[]) => ({
  field: 'policy',
  type: 'nominal' as const,
  title: 'policy',
  scale: { domain: [...policies], range: policies.map((p) => POLICY_COLORS[p as PolicyName] ?? '#000') },
  legend: { orient: 'top' as const, direction: 'horizontal' as const },
});

/** Load and the capacity each policy had ready (ready pods × capacity per pod at the target). */
function loadVsCapacitySpec(load: Row[], series: Row[], policies: readonly string[], title: string): vl.TopLevelSpec {
  return {
    width: CHART_WIDTH,
    height: 220,
    title,
    layer: [
      {
        data: { values: load },
        mark: { type: 'area', color: '#c7c7c7', opacity: 0.8, interpolate: 'step-after' },
        encoding: { x: timeAxis(''), y: { field: 'value', type: 'quantitative', title: 'requests/s' } },
      },
      {
        data: { values: series },
        mark: { type: 'line', strokeWidth: 1.2, interpolate: 'step-after' },
        encoding: {
          x: timeAxis(''),
          y: { field: 'capacity', type: 'quantitative', title: 'requests/s' },
          color: colorScale(policies),
        },
      },
    ],
  } as vl.TopLevelSpec;
}

function lineSpec(
  series: Row[],
  policies: readonly string[],
  field: string,
  title: string,
  yTitle: string,
  options: { log?: boolean; rule?: number; ruleLabel?: string; step?: boolean } = {},
): vl.TopLevelSpec {
  const layers: unknown[] = [
    {
      data: { values: series },
      mark: { type: 'line', strokeWidth: 1.2, interpolate: options.step ? 'step-after' : 'linear' },
      encoding: {
        x: timeAxis(''),
        y: {
          field,
          type: 'quantitative',
          title: yTitle,
          ...(options.log && { scale: { type: 'log' } }),
        },
        color: colorScale(policies),
      },
    },
  ];
  if (options.rule !== undefined) {
    layers.push({
      data: { values: [{ y: options.rule, label: options.ruleLabel ?? '' }] },
      layer: [
        {
          mark: { type: 'rule', color: 'black', strokeDash: [6, 4] },
          encoding: { y: { field: 'y', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: -6, fontSize: 11 },
          encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  return { width: CHART_WIDTH, height: 200, title, layer: layers } as vl.TopLevelSpec;
}

/** Bars of one figure per policy with mean ± std over seeds. */
function barSpec(d: DatasetExperiment, field: 'sloViolationMinutes' | 'cost', title: string): vl.TopLevelSpec {
  const policies = Object.keys(d.aggregates);
  const rows = policies.map((policy) => {
    const a = d.aggregates[policy as PolicyName]![field];
    return { policy, mean: a.mean, low: a.mean - a.std, high: a.mean + a.std };
  });
  return {
    width: 330,
    height: 150,
    title,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'policy', type: 'nominal', sort: policies, title: null },
          x: { field: 'mean', type: 'quantitative', title: null },
          color: { ...colorScale(policies), legend: null },
        },
      },
      {
        mark: { type: 'rule' },
        encoding: {
          y: { field: 'policy', type: 'nominal', sort: policies },
          x: { field: 'low', type: 'quantitative' },
          x2: { field: 'high' },
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 4 },
        encoding: {
          y: { field: 'policy', type: 'nominal', sort: policies },
          x: { field: 'high', type: 'quantitative' },
          text: { field: 'mean', type: 'quantitative', format: field === 'cost' ? '$.2f' : '.0f' },
        },
      },
    ],
  } as vl.TopLevelSpec;
}

/** The window of `hours` with the most SLO-violation minutes of the first policy that has any. */
function worstWindow(d: DatasetExperiment, config: SimulationConfig, hours: number): { from: number; to: number } {
  const runs = plottedRuns(d);
  const minutes = runs[0]?.record.minutes ?? 0;
  const width = Math.min(minutes, hours * 60);
  const order: readonly string[] = POLICY_NAMES;
  const sorted = [...runs].sort((a, b) => order.indexOf(a.policy) - order.indexOf(b.policy));
  for (const { record } of sorted) {
    const bad = Array.from({ length: minutes }, (_, m) => (violatesSlo(record, m, config.slo) ? 1 : 0));
    let best = 0;
    let bestFrom = 0;
    let sum = 0;
    for (let m = 0; m < minutes; m++) {
      sum += bad[m] - (m >= width ? bad[m - width] : 0);
      if (m >= width - 1 && sum > best) {
        best = sum;
        bestFrom = m - width + 1;
      }
    }
    if (best > 0) return { from: bestFrom, to: bestFrom + width };
  }
  return { from: 0, to: width };
}

function formatAggregate(a: Aggregate, digits: number, seeds: number): string {
  const mean = a.mean.toFixed(digits);
  return seeds > 1 ? `${mean} ± ${a.std.toFixed(digits)}` : mean;
}

/** The figures table of a dataset, with the change of each policy against `hpa` when it ran. */
function tableHtml(d: DatasetExperiment, seeds: number): string {
  const columns: { field: keyof RunSummary; title: string; digits: number }[] = [
    { field: 'sloViolationMinutes', title: 'SLO-violation minutes', digits: 1 },
    { field: 'cost', title: 'cost ($)', digits: 2 },
    { field: 'podHours', title: 'pod-hours', digits: 1 },
    { field: 'meanUtilizationPercent', title: 'mean CPU util. (%)', digits: 1 },
    { field: 'overProvisionedPodHours', title: 'over-prov. pod-h', digits: 1 },
    { field: 'underProvisionedPodHours', title: 'under-prov. pod-h', digits: 1 },
    { field: 'scalingActions', title: 'scaling actions', digits: 0 },
    { field: 'oscillationsPerHour', title: 'oscillations / h', digits: 2 },
  ];
  const { hpa, 'oracle-cost': limit } = d.aggregates;
  const rows = Object.entries(d.aggregates).map(([policy, a]) => {
    const vs =
      hpa && policy !== 'hpa'
        ? `${percentChange(a!.sloViolationMinutes.mean, hpa.sloViolationMinutes.mean)} / ${percentChange(a!.cost.mean, hpa.cost.mean)}`
        : '';
    const aboveLimit = limit ? `<td>${percentChange(a!.cost.mean, limit.cost.mean)}</td>` : '';
    return `<tr><th><span class="dot" style="background:${POLICY_COLORS[policy as PolicyName]}"></span>${escapeHtml(POLICY_LABELS[policy as PolicyName])}</th>${columns
      .map((c) => `<td>${formatAggregate(a![c.field], c.digits, seeds)}</td>`)
      .join('')}<td>${vs}</td>${aboveLimit}</tr>`;
  });
  const limitHeader = limit ? '<th>cost vs oracle-cost</th>' : '';
  return `<table><thead><tr><th>policy</th>${columns.map((c) => `<th>${c.title}</th>`).join('')}<th>vs hpa: violations / cost</th>${limitHeader}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/**
 * Each policy's cost against its SLO-violation minutes (means over seeds), with the cost of the cheapest schedule
 * that holds the SLO (oracle-cost) as a vertical line: the distance of every policy from the limit.
 */
function distanceFromLimitSpec(d: DatasetExperiment): vl.TopLevelSpec | null {
  const limit = d.aggregates['oracle-cost'];
  if (!limit) return null;
  const policies = Object.keys(d.aggregates);
  const points = policies.map((policy) => {
    const a = d.aggregates[policy as PolicyName]!;
    return {
      policy,
      cost: a.cost.mean,
      violations: a.sloViolationMinutes.mean,
      label: `${policy} ${percentChange(a.cost.mean, limit.cost.mean)}`,
    };
  });
  return {
    width: CHART_WIDTH,
    height: 240,
    title: 'Distance from the limit: cost vs. SLO-violation minutes (mean over seeds)',
    layer: [
      {
        data: { values: [{ cost: limit.cost.mean, label: 'cheapest schedule holding the SLO' }] },
        layer: [
          {
            mark: { type: 'rule', color: 'black', strokeDash: [6, 4] },
            encoding: { x: { field: 'cost', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4, baseline: 'top', fontSize: 11 },
            encoding: { x: { field: 'cost', type: 'quantitative' }, y: { value: 4 }, text: { field: 'label' } },
          },
        ],
      },
      {
        data: { values: points },
        layer: [
          {
            mark: { type: 'point', filled: true, size: 90 },
            encoding: {
              x: { field: 'cost', type: 'quantitative', title: 'cost ($)', scale: { zero: false } },
              y: { field: 'violations', type: 'quantitative', title: 'SLO-violation minutes' },
              color: colorScale(policies),
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 11 },
            encoding: {
              x: { field: 'cost', type: 'quantitative' },
              y: { field: 'violations', type: 'quantitative' },
              text: { field: 'label' },
            },
          },
        ],
      },
    ],
  } as vl.TopLevelSpec;
}

function percentChange(value: number, reference: number): string {
  if (!(reference > 0)) return '–';
  const change = ((value - reference) / reference) * 100;
  return `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)}%`;
}

/** What the prescale row shows against hpa, in one sentence (the issue's yardstick: −50 % violations at ≤ +10 % cost). */
function verdictHtml(d: DatasetExperiment): string {
  const { hpa, prescale, oracle, 'oracle-cost': limit } = d.aggregates;
  if (!hpa || !prescale) return '';
  const fewer = 1 - prescale.sloViolationMinutes.mean / Math.max(hpa.sloViolationMinutes.mean, 1e-9);
  const costUp = prescale.cost.mean / hpa.cost.mean - 1;
  const holds = fewer >= 0.5 && costUp <= 0.1;
  const oracleText = oracle
    ? ` The oracle (the same planner fed the true future) has ${oracle.sloViolationMinutes.mean.toFixed(1)} violation minutes at ${percentChange(oracle.cost.mean, hpa.cost.mean)} cost.`
    : '';
  const limitText = limit
    ? ` The cheapest schedule that holds the SLO in every minute (oracle-cost) costs $${limit.cost.mean.toFixed(2)}; against it prescale's cost is ${percentChange(prescale.cost.mean, limit.cost.mean)}, hpa's ${percentChange(hpa.cost.mean, limit.cost.mean)}.`
    : '';
  return `<p class="verdict ${holds ? 'holds' : 'fails'}">prescale has ${Math.abs(fewer * 100).toFixed(1)}% ${fewer >= 0 ? 'fewer' : 'more'} SLO-violation minutes than hpa at ${percentChange(prescale.cost.mean, hpa.cost.mean)} cost: the target (≥ 50% fewer at ≤ +10% cost) ${holds ? 'holds' : 'does not hold'}.${oracleText}${limitText}</p>`;
}

/**
 * The self-contained report (`report.html`): tables and charts (SVG rendered here with vega) per dataset —
 * headline bars, load vs. capacity, replicas, latency vs. SLO and cumulative cost over the whole period,
 * and a 1-minute zoom on the hours where the SLO broke most — plus the definitions and the exact command.
 */
export async function reportHtml(
  result: ExperimentResult,
  config: SimulationConfig,
  provenance: Provenance,
): Promise<string> {
  const sections: string[] = [];
  for (const d of result.datasets) {
    const runs = plottedRuns(d);
    const policies = runs.map((r) => r.policy);
    const minutes = runs[0]?.record.minutes ?? 0;
    const windowMinutes = minutes > 3 * 1440 ? 10 : minutes > 1440 ? 5 : 1;
    const week = runs.map((r) => windowRows(r.record, r.policy, config.perPodRate, windowMinutes, 0, minutes));
    const weekSeries = week.flatMap((w) => w.series);
    const zoom = worstWindow(d, config, 4);
    const limitSpec = distanceFromLimitSpec(d);
    const zoomRows = runs.map((r) => windowRows(r.record, r.policy, config.perPodRate, 1, zoom.from, zoom.to));
    const zoomSeries = zoomRows.flatMap((w) => w.series);
    const sloMs = config.slo.latencyP95Seconds * 1000;
    const every = windowMinutes === 1 ? 'per minute' : `per ${windowMinutes} minutes`;
    const charts = [
      [
        await renderSvg(loadVsCapacitySpec(week[0].load, weekSeries, policies, `Load vs. capacity (${every})`)),
        `Grey: requests/s arriving. Lines: ready pods × ${config.perPodRate.toFixed(1)} requests/s (a pod's load at the ${config.workload.policy.targetUtilizationPercent}% CPU target).`,
      ],
      [
        await renderSvg(
          lineSpec(weekSeries, policies, 'replicas', `Replicas (mean spec.replicas, ${every})`, 'replicas', {
            step: true,
          }),
        ),
        '',
      ],
      [
        await renderSvg(
          lineSpec(
            weekSeries,
            policies,
            'p95',
            `p95 latency vs. SLO (worst minute ${every})`,
            'p95 latency (ms, log)',
            {
              log: true,
              rule: sloMs,
              ruleLabel: `SLO ${sloMs.toFixed(0)} ms`,
            },
          ),
        ),
        'Latency is the time in the pod (queue + service). A minute with no ready pod has no latency and counts as dropped.',
      ],
      [await renderSvg(lineSpec(weekSeries, policies, 'cost', 'Cumulative cost ($)', '$')), ''],
    ];
    const zoomTitle = `${new Date((d.startSeconds + zoom.from * 60) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${((zoom.to - zoom.from) / 60).toFixed(0)} h, 1-minute resolution`;
    const zoomCharts = [
      await renderSvg(
        loadVsCapacitySpec(zoomRows[0]?.load ?? [], zoomSeries, policies, `Zoom: load vs. capacity (${zoomTitle})`),
      ),
      await renderSvg(
        lineSpec(zoomSeries, policies, 'p95', 'Zoom: p95 latency vs. SLO', 'p95 latency (ms, log)', {
          log: true,
          rule: sloMs,
          ruleLabel: `SLO ${sloMs.toFixed(0)} ms`,
        }),
      ),
      await renderSvg(lineSpec(zoomSeries, policies, 'replicas', 'Zoom: replicas', 'replicas', { step: true })),
    ];
    const start = new Date(d.startSeconds * 1000).toISOString().replace('.000Z', 'Z');
    const end = new Date(d.endSeconds * 1000).toISOString().replace('.000Z', 'Z');
    sections.push(`
<h2>${escapeHtml(d.dataset.name)}</h2>
<p class="meta">${escapeHtml(d.dataset.dataset.what ?? '')}. Simulated ${start} – ${end} (${minutes} minutes) at 1 s resolution;
trace scaled by ${d.load.scale.toPrecision(4)} requests/s per trace unit so its peak needs ${config.load.peakPods} pods.
${d.model ? `Prescale's model: <code>${escapeHtml(d.model)}</code>, fitted ${d.fits.length}× (${d.fits.map((f) => `${(f.milliseconds / 1000).toFixed(1)} s`).join(', ')}).` : ''}
${provenance.seeds} seed${provenance.seeds > 1 ? 's' : ''} (mean ± std); charts show seed 1.</p>
${tableHtml(d, provenance.seeds)}
${verdictHtml(d)}
<div class="bars"><figure>${await renderSvg(barSpec(d, 'sloViolationMinutes', 'SLO-violation minutes'))}</figure><figure>${await renderSvg(barSpec(d, 'cost', 'Cost ($)'))}</figure></div>
${limitSpec ? `<figure class="limit">${await renderSvg(limitSpec)}<figcaption>Each policy's cost and, beside its name, how much more it costs than the cheapest schedule that holds the SLO in every minute (oracle-cost, dashed line).</figcaption></figure>` : ''}
${await frontierHtml(d, provenance.seeds)}
${charts.map(([svg, caption]) => `<figure>${svg}${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ''}</figure>`).join('\n')}
<h3>Where the SLO broke most</h3>
${zoomCharts.map((svg) => `<figure>${svg}</figure>`).join('\n')}`);
  }
  const pod = config.cluster.pod;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Prescale experiment: ${escapeHtml(result.datasets.map((d) => d.dataset.name).join(', '))}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>HPA vs. Prescale on a simulated cluster</h1>
<p class="meta">Prescale ${escapeHtml(provenance.prescaleVersion)} · started ${escapeHtml(provenance.startedAt)} · Node ${escapeHtml(provenance.node)}${provenance.git ? ` · commit ${escapeHtml(provenance.git.commit.slice(0, 12))}${provenance.git.dirty ? ' (with local changes)' : ''}` : ''}<br>
Re-run: <code>${escapeHtml(provenance.command)}</code> (the full configuration is in <code>config.json</code> beside this file).</p>
<p>Each policy drives the same simulated Deployment through the same interface: pods of ${pod.cpuRequestMillicores}m CPU /
${(pod.memoryRequestBytes / 2 ** 30).toFixed(2)} GiB at $${config.cluster.costPerPodHour.toFixed(4)} per pod-hour, ${pod.service.concurrency} workers,
${(pod.service.serviceTimeSeconds * 1000).toFixed(0)} ms mean service time, at most ${pod.service.queueLimit} requests per pod; SLO p95 ≤ ${(config.slo.latencyP95Seconds * 1000).toFixed(0)} ms
and drops ≤ ${(config.slo.maxDropShare * 100).toFixed(2)}% per minute. The HPA sees metrics-server CPU (15 s resolution) and syncs every
${config.hpaSyncPeriodSeconds} s. Prescale is the live service's own loop (<code>src/predictor</code>) reading Prometheus scrapes (every
${config.cluster.prometheusScrapeIntervalSeconds} s), its published replicas ${config.prescale.hpa === null ? 'applied directly' : `reaching the Deployment through the HPA the operator creates (${escapeHtml(describeMetrics(config.prescale.hpa))})`} (<code>integration: ${escapeHtml(config.workload.integration)}</code>). See <code>docs/simulator.md</code>.</p>
${sections.join('\n')}
<h2>Definitions</h2>
<dl>
<dt>SLO-violation minutes</dt><dd>Minutes whose p95 latency exceeded the SLO (more than 5% of admitted requests slower than it) or whose dropped requests exceeded the drop limit.</dd>
<dt>cost, pod-hours</dt><dd>Pods are billed from scheduling until they are gone (including graceful termination), at CPU request × price per core-hour + memory request × price per GiB-hour.</dd>
<dt>mean CPU utilization</dt><dd>CPU used over CPU requested by billed pods.</dd>
<dt>over-/under-provisioned pod-hours</dt><dd>Billed pods above, and ready pods below, the pods the load needs at the target utilization (the noise-free trace rate ÷ capacity per pod, at least 1), integrated over time.</dd>
<dt>scaling actions, oscillations</dt><dd>Changes of spec.replicas; oscillations are reversals of the scaling direction, per hour.</dd>
<dt>prescale</dt><dd>The service's loop as deployed: model from the registry refitted daily, forecasts every sync from what Prometheus scraped, online accuracy and the central fallback, the planner, then the HPA in front of the published value.</dd>
<dt>oracle (planner + true future)</dt><dd>Prescale's planner with the same settings, fed the true future requests instead of a forecast, behind the same HPA: how far better forecasts could take it.</dd>
<dt>oracle-cost (the limit)</dt><dd>The limit: with the run's true arrivals and each pod's true delays known, per minute the fewest ready pods with which that minute holds the SLO, then the cheapest replica schedule at the same ${config.workload.policy.syncPeriodSeconds}-s syncs that has them ready (each pod requested its start-up delay ahead, released when a replacement would cost less than keeping it), written directly to the Deployment. Every policy's cost against it is its distance from the limit.</dd>
</dl>
</body></html>
`;
}
