import type * as vl from 'vega-lite';
import { escapeHtml, POLICY_COLORS, renderSvg } from './chart.js';
import type { DatasetExperiment } from './experiment.js';
import { formatRatio, formatReading, frontierRows, limitRows } from './frontier.js';

/* The report's frontier section (`--sweep`): every swept policy's cost against its SLO-violation minutes, and the
   table of each policy's violations at the HPA frontier's equal cost. */

/** The frontier plot: cost vs. minutes, one curve per swept policy in the order of its setting, the limit a point. */
function frontierSpec(d: DatasetExperiment): vl.TopLevelSpec {
  const points = d.sweep
    .filter((p) => Number.isFinite(p.value))
    .map((p) => ({
      policy: p.policy,
      order: p.value,
      cost: p.aggregate.cost.mean,
      minutes: p.aggregate.sloViolationMinutes.mean,
      label: p.policy === 'hpa' ? `${p.value} %` : `q ${p.value}`,
      configured: p.configured ? 'as configured' : 'swept',
    }));
  const limit = limitRows(d).map((p) => ({ ...p, label: 'oracle-cost', configured: 'as configured' }));
  const policies = [...new Set([...points.map((p) => p.policy), ...limit.map((p) => p.policy)])];
  const color = {
    field: 'policy',
    type: 'nominal' as const,
    title: 'policy',
    scale: { domain: policies, range: policies.map((p) => POLICY_COLORS[p as keyof typeof POLICY_COLORS]) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const },
  };
  const x = {
    field: 'cost',
    type: 'quantitative' as const,
    title: 'cost ($, mean over seeds)',
    scale: { zero: false },
  };
  const y = { field: 'minutes', type: 'quantitative' as const, title: 'SLO-violation minutes (mean over seeds)' };
  const shape = {
    field: 'configured',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['swept', 'as configured'], range: ['circle', 'diamond'] },
    legend: { orient: 'top' as const },
  };
  return {
    width: 860,
    height: 320,
    title: 'Cost vs. SLO-violation minutes: each policy across its operating points (the frontier)',
    layer: [
      {
        data: { values: points },
        layer: [
          { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, color, order: { field: 'order' } } },
          { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color, shape } },
          {
            mark: { type: 'text', align: 'left', dx: 6, dy: -6, fontSize: 10 },
            encoding: { x, y, text: { field: 'label' } },
          },
        ],
      },
      {
        data: { values: limit },
        layer: [
          { mark: { type: 'point', filled: true, size: 110 }, encoding: { x, y, color, shape } },
          {
            mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 10 },
            encoding: { x, y, text: { field: 'label' } },
          },
        ],
      },
    ],
  } as vl.TopLevelSpec;
}

function mean(a: { mean: number; std: number }, digits: number, seeds: number): string {
  return seeds > 1 ? `${a.mean.toFixed(digits)} ± ${a.std.toFixed(digits)}` : a.mean.toFixed(digits);
}

/** The section of a dataset: the plot, every point's figures and the equal-cost table; '' without a sweep. */
export async function frontierHtml(d: DatasetExperiment, seeds: number): Promise<string> {
  if (d.sweep.length === 0) return '';
  const limit = d.aggregates['oracle-cost'];
  const pointRows = d.sweep.map((p) => {
    const vsLimit = limit ? `${((p.aggregate.cost.mean / limit.cost.mean - 1) * 100).toFixed(1)} %` : '–';
    return `<tr><th>${escapeHtml(p.policy)}</th><td style="text-align:left">${escapeHtml(p.setting)}${p.configured ? ' (as configured)' : ''}</td><td>${mean(p.aggregate.sloViolationMinutes, 1, seeds)}</td><td>${mean(p.aggregate.cost, 2, seeds)}</td><td>${vsLimit}</td></tr>`;
  });
  const equal = frontierRows(d).map(
    (r) =>
      `<tr><th>${escapeHtml(r.policy)}</th><td style="text-align:left">${escapeHtml(r.setting)}${r.configured ? ' (as configured)' : ''}</td><td>${r.cost.toFixed(2)}</td><td>${r.minutes.toFixed(1)}</td><td>${formatReading(r.hpaMinutesAtCost, 1)}</td><td>${formatRatio(r.minutesRatio)}</td><td>${formatReading(r.hpaCostAtMinutes, 2)}</td><td>${formatRatio(r.costRatio)}</td></tr>`,
  );
  return `<section class="frontier"><h3>Equal cost: the frontier</h3>
<figure class="frontier">${await renderSvg(frontierSpec(d))}<figcaption>Each swept policy across its operating points (HPA: CPU target; Prescale: the forecast quantile), the configured ones as diamonds, and the cheapest schedule that holds the SLO (oracle-cost). Lower and further left is better.</figcaption></figure>
<table><thead><tr><th>policy</th><th>setting</th><th>SLO-violation minutes</th><th>cost ($)</th><th>cost vs oracle-cost</th></tr></thead><tbody>${pointRows.join('')}</tbody></table>
<p>Against the HPA's frontier (its non-dominated settings, linear between them): the HPA's minutes at each point's own cost and its cost at each point's own minutes. "≤" beyond the swept range; "–" where the HPA's settings do not reach it.</p>
<table><thead><tr><th>policy</th><th>setting</th><th>cost ($)</th><th>SLO-violation minutes</th><th>HPA frontier minutes at this cost</th><th>minutes / HPA's</th><th>HPA frontier cost at these minutes ($)</th><th>cost / HPA's</th></tr></thead><tbody>${equal.join('')}</tbody></table></section>`;
}
