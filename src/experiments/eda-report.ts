import type * as vl from 'vega-lite';
import type { Series } from '../core/index.js';
import { formatDurationSeconds } from '../core/units.js';
import { escapeHtml, REPORT_STYLE, renderSvg } from './chart.js';
import { type EdaSummary, type PlotPoint, type ProfileBin, seriesForPlot } from './eda.js';

/** What the report says about where the series came from. */
export interface EdaSource {
  /** Dataset name or file name: the report's title. */
  readonly name: string;
  /** One line on what the series measures, when known (a datasets file's `what`). */
  readonly what?: string;
  /** The series file read. */
  readonly path: string;
  /** The command that writes this report again. */
  readonly command: string;
}

const CHART_WIDTH = 860;
/** Points of the series chart: enough for a month of 20-minute means, and an SVG of a few hundred kB at most. */
const PLOT_POINTS = 2000;
/** Rows of the gap and anomaly tables; the counts above them cover the rest. */
const TABLE_ROWS = 15;
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const ANOMALY_COLOR = '#d62728';
const GAP_COLOR = '#ffbb78';

const timeAxis = {
  field: 't',
  type: 'temporal' as const,
  scale: { type: 'utc' as const },
  axis: { title: null, format: '%b %d', labelAngle: 0, tickCount: 10 },
};

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A number for tables: up to 4 significant digits, no exponent for everyday magnitudes. */
function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return Math.abs(value) >= 1e4 ? value.toFixed(0) : String(Number(value.toPrecision(4)));
}

function percent(share: number): string {
  return `${(share * 100).toFixed(2)} %`;
}

/** The series (means over at most 2000 points), gaps as shaded bands, flagged anomalies as red points. */
function seriesSpec(points: readonly PlotPoint[], eda: EdaSummary): vl.TopLevelSpec {
  const line = points.map((p) => ({ t: p.seconds * 1000, value: p.value }));
  const layers: unknown[] = [];
  if (eda.gaps.count > 0) {
    layers.push({
      data: { values: eda.gaps.gaps.map((g) => ({ t: g.startSeconds * 1000, t2: g.endSeconds * 1000 })) },
      mark: { type: 'rect', color: GAP_COLOR, opacity: 0.6 },
      encoding: { x: timeAxis, x2: { field: 't2' } },
    });
  }
  layers.push({
    data: { values: line },
    mark: { type: 'line', strokeWidth: 1, color: '#1f77b4' },
    encoding: { x: timeAxis, y: { field: 'value', type: 'quantitative', title: 'value' } },
  });
  if (eda.anomalies.count > 0) {
    layers.push({
      data: { values: eda.anomalies.flagged.map((f) => ({ t: f.seconds * 1000, value: f.value })) },
      mark: { type: 'point', filled: true, size: 22, color: ANOMALY_COLOR },
      encoding: { x: timeAxis, y: { field: 'value', type: 'quantitative' } },
    });
  }
  return { width: CHART_WIDTH, height: 260, title: 'The series', layer: layers } as vl.TopLevelSpec;
}

/** Mean line over the 10–90 % band of a profile; `labels` names the bins when they are not numbers. */
function profileSpec(bins: readonly ProfileBin[], title: string, xTitle: string, labels?: string[]): vl.TopLevelSpec {
  const rows = bins
    .filter((b) => b.count > 0)
    .map((b) => ({ x: labels ? labels[b.key] : b.key, mean: b.mean, p10: b.p10, p90: b.p90 }));
  const x = labels
    ? { field: 'x', type: 'ordinal' as const, sort: labels, title: xTitle, axis: { labelAngle: 0 } }
    : { field: 'x', type: 'quantitative' as const, title: xTitle, scale: { domain: [0, 23] }, axis: { tickCount: 12 } };
  return {
    width: 400,
    height: 200,
    title,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'area', opacity: 0.3, color: '#1f77b4' },
        encoding: { x, y: { field: 'p10', type: 'quantitative', title: 'value' }, y2: { field: 'p90' } },
      },
      {
        mark: { type: 'line', point: true, color: '#1f77b4' },
        encoding: { x, y: { field: 'mean', type: 'quantitative' } },
      },
    ],
  } as vl.TopLevelSpec;
}

function histogramSpec(eda: EdaSummary): vl.TopLevelSpec {
  return {
    width: CHART_WIDTH,
    height: 200,
    title: 'Distribution of the observed values',
    data: { values: eda.histogram.map((b) => ({ from: b.from, to: b.to, count: b.count })) },
    mark: { type: 'bar', color: '#1f77b4', stroke: 'white', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'from', type: 'quantitative', title: 'value', scale: { zero: false } },
      x2: { field: 'to' },
      y: { field: 'count', type: 'quantitative', title: 'buckets' },
      // x is a range, so vega-lite would draw each bar as a band at its count: anchor it at zero
      y2: { datum: 0 },
    },
  } as vl.TopLevelSpec;
}

/** Autocorrelation against the lag in hours, with a dashed rule at each detected period. */
function autocorrelationSpec(eda: EdaSummary): vl.TopLevelSpec {
  const layers: unknown[] = [
    {
      data: { values: eda.autocorrelation.map((p) => ({ lag: p.lagSeconds / 3600, r: p.r })) },
      mark: { type: 'line', color: '#1f77b4', strokeWidth: 1.2 },
      encoding: {
        x: { field: 'lag', type: 'quantitative', title: 'lag (hours)' },
        y: { field: 'r', type: 'quantitative', title: 'autocorrelation', scale: { domain: [-1, 1] } },
      },
    },
  ];
  if (eda.seasonality.periods.length > 0) {
    layers.push({
      data: {
        values: eda.seasonality.periods.map((p) => ({
          lag: p.periodSeconds / 3600,
          label: formatDurationSeconds(p.periodSeconds),
        })),
      },
      layer: [
        {
          mark: { type: 'rule', color: 'black', strokeDash: [6, 4] },
          encoding: { x: { field: 'lag', type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'left', dx: 4, baseline: 'top', fontSize: 11 },
          encoding: { x: { field: 'lag', type: 'quantitative' }, y: { value: 4 }, text: { field: 'label' } },
        },
      ],
    });
  }
  return { width: CHART_WIDTH, height: 200, title: 'Autocorrelation', layer: layers } as vl.TopLevelSpec;
}

function statsHtml(eda: EdaSummary): string {
  const s = eda.stats;
  const cells: [string, number][] = [
    ['mean', s.mean],
    ['std', s.std],
    ['min', s.min],
    ['p5', s.p5],
    ['p25', s.p25],
    ['median', s.median],
    ['p75', s.p75],
    ['p95', s.p95],
    ['p99', s.p99],
    ['max', s.max],
  ];
  return `<p class="span">${isoTime(s.startSeconds)} to ${isoTime(s.endSeconds)}: ${s.buckets} buckets of ${formatDurationSeconds(s.stepSeconds)}, ${s.observed} observed (${percent(s.observed / s.buckets)}).</p>
<table class="stats"><thead><tr>${cells.map(([k]) => `<th>${k}</th>`).join('')}</tr></thead><tbody><tr>${cells.map(([, v]) => `<td>${formatValue(v)}</td>`).join('')}</tr></tbody></table>`;
}

function gapsHtml(eda: EdaSummary): string {
  const { gaps } = eda;
  if (gaps.count === 0) return '<p>No gaps: every bucket holds an observation.</p>';
  const longest = [...gaps.gaps].sort((a, b) => b.lengthSteps - a.lengthSteps).slice(0, TABLE_ROWS);
  const rows = longest
    .map(
      (g) =>
        `<tr><td>${isoTime(g.startSeconds)}</td><td>${isoTime(g.endSeconds)}</td><td>${g.lengthSteps}</td><td>${formatDurationSeconds(g.lengthSteps * eda.stats.stepSeconds)}</td></tr>`,
    )
    .join('');
  return `<p class="gaps">${gaps.count} gap${gaps.count > 1 ? 's' : ''}, the longest ${formatDurationSeconds(gaps.longestSeconds)};
${gaps.missingBuckets} of ${eda.stats.buckets} buckets missing (${percent(gaps.missingShare)}). Shaded on the series above.</p>
<table><thead><tr><th>from</th><th>to</th><th>buckets</th><th>length</th></tr></thead><tbody>${rows}</tbody></table>
${gaps.count > TABLE_ROWS ? `<p class="meta">The ${TABLE_ROWS} longest of ${gaps.count}.</p>` : ''}`;
}

function anomaliesHtml(eda: EdaSummary): string {
  const a = eda.anomalies;
  const intro = `<p class="anomalies">The anomaly filter that cleans training data (rolling Hampel, centered window of ${a.windowSteps} buckets,
${a.threshold} scaled MADs; see <code>docs/anomaly-filter.md</code>) flags ${a.count} bucket${a.count === 1 ? '' : 's'}
(${percent(a.share)} of the observed), marked red on the series above.</p>`;
  if (a.count === 0) return intro;
  const largest = [...a.flagged]
    .sort((x, y) => Math.abs(y.value - y.median) - Math.abs(x.value - x.median))
    .slice(0, TABLE_ROWS);
  const rows = largest
    .map(
      (f) => `<tr><td>${isoTime(f.seconds)}</td><td>${formatValue(f.value)}</td><td>${formatValue(f.median)}</td></tr>`,
    )
    .join('');
  return `${intro}<table><thead><tr><th>bucket</th><th>value</th><th>replaced by (rolling median)</th></tr></thead><tbody>${rows}</tbody></table>
${a.count > TABLE_ROWS ? `<p class="meta">The ${TABLE_ROWS} farthest from their median of ${a.count}.</p>` : ''}`;
}

function seasonalityHtml(eda: EdaSummary): string {
  const { periods, note } = eda.seasonality;
  if (periods.length === 0) {
    return `<p class="seasonality">No seasonal period found${note ? `: ${escapeHtml(note)}` : ' above strength 0.3'}.</p>`;
  }
  const rows = periods
    .map(
      (p) =>
        `<tr><td>${formatDurationSeconds(p.periodSeconds)}</td><td>${p.periodSteps}</td><td>${p.strength.toFixed(3)}</td></tr>`,
    )
    .join('');
  return `<p class="seasonality">Periods found by the seasonality detector the models use (<code>src/preprocessor/seasonality.ts</code>);
strength is the autocorrelation at the period once the trend is removed (1 = exact repetition).</p>
<table><thead><tr><th>period</th><th>steps</th><th>strength</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * The self-contained EDA report: statistics and tables, and charts rendered to SVG here with vega (no script,
 * no network): the series with gaps and anomalies, daily and weekly profiles, the distribution, the
 * autocorrelation with the detected periods.
 */
export async function edaReportHtml(series: Series, eda: EdaSummary, source: EdaSource): Promise<string> {
  const plot = seriesForPlot(series, PLOT_POINTS);
  const [seriesSvg, dailySvg, weeklySvg, histogramSvg, acfSvg] = await Promise.all([
    renderSvg(seriesSpec(plot.points, eda)),
    renderSvg(profileSpec(eda.daily, 'Daily profile (UTC)', 'hour of the day')),
    renderSvg(profileSpec(eda.weekly, 'Weekly profile (UTC)', 'day of the week', WEEKDAYS)),
    renderSvg(histogramSpec(eda)),
    renderSvg(autocorrelationSpec(eda)),
  ]);
  const lagDays = formatDurationSeconds(eda.autocorrelation.at(-1)?.lagSeconds ?? 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Prescale EDA: ${escapeHtml(source.name)}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>Exploratory analysis: ${escapeHtml(source.name)}</h1>
<p class="meta">${source.what ? `${escapeHtml(source.what)}. ` : ''}Series <code>${escapeHtml(source.path)}</code>, bucket means every ${formatDurationSeconds(eda.stats.stepSeconds)}.<br>
Re-run: <code>${escapeHtml(source.command)}</code> (see <code>docs/eda.md</code>).</p>
<h2>Basic statistics</h2>
${statsHtml(eda)}
<h2>The series</h2>
<figure class="series">${seriesSvg}<figcaption>Means over ${formatDurationSeconds(plot.pointSeconds)} per point; gaps shaded orange; anomalies the filter flags as red points at their own value.</figcaption></figure>
<h2>Gaps</h2>
${gapsHtml(eda)}
<h2>Anomalies</h2>
${anomaliesHtml(eda)}
<h2>Daily and weekly profiles</h2>
<div class="bars"><figure class="daily">${dailySvg}</figure><figure class="weekly">${weeklySvg}</figure></div>
<p class="meta">Mean of the observed buckets (line) and the band from the 10th to the 90th percentile, by hour of the day and day of the week.</p>
<h2>Distribution</h2>
<figure class="distribution">${histogramSvg}</figure>
<h2>Seasonality and autocorrelation</h2>
${seasonalityHtml(eda)}
<figure class="autocorrelation">${acfSvg}<figcaption>Pearson autocorrelation at lags up to ${lagDays} (missing buckets skipped); dashed: the detected periods.</figcaption></figure>
</body></html>
`;
}
