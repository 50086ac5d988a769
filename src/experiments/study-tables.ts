import type * as vl from 'vega-lite';
import { POLICY_COLORS, renderSvg } from './chart.js';
import { EQUAL_COST_HEADER, equalCostCells, formatRatio, formatReading, paretoFrontier } from './frontier.js';
import type { PolicyName } from './policy-names.js';
import {
  ABLATIONS,
  type ForecasterStudy,
  forecasterStudies,
  type PolicyStatistics,
  type SeedStatistic,
  type StudySections,
} from './study.js';

/*
 * The study's tables (Markdown and CSV, one pair per table) and figures (SVG), all drawn from the sections of
 * study.json, so a resumed study draws exactly what a fresh one does.
 */

/** A table as the study writes it: a header and rows of cells, the Markdown and CSV from the same cells. */
export interface StudyTable {
  readonly name: string;
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** A number with fixed decimals, `–` for null or non-finite (JSON keeps NaN as null). */
function fixed(value: number | null | undefined, digits: number): string {
  return value == null || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** `30.0 [27.1, 32.9]`: the mean and its 95 % interval (just the mean for one seed). */
function withInterval(s: SeedStatistic, digits: number): string {
  const { lower, upper } = s.ci95;
  return lower === null || upper === null
    ? fixed(s.mean, digits)
    : `${fixed(s.mean, digits)} [${fixed(lower, digits)}, ${fixed(upper, digits)}]`;
}

/** A signed relative change in percent against a reference, `n/a` against zero. */
function change(value: number, reference: number): string {
  if (!(reference > 0)) return 'n/a';
  const percent = ((value - reference) / reference) * 100;
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)} %`;
}

/** Every table of the study. */
export function studyTables(sections: StudySections): StudyTable[] {
  const accuracyRows = Object.entries(sections.accuracy).flatMap(([dataset, d]) =>
    Object.entries(d.models).map(([model, m]) => [
      dataset,
      model,
      fixed(m.rmse, 3),
      fixed(m.mae, 3),
      fixed(m.wape, 4),
      fixed(m.rmseVsSnaive, 3),
      fixed(m.coverage80, 3),
      String(m.fitMillisecondsPerFit),
      fixed(m.forecastMillisecondsPerOrigin, 2),
    ]),
  );
  const experimentRows = Object.entries(sections.experiment).flatMap(([dataset, d]) =>
    Object.entries(d.policies).map(([policy, p]) => [
      dataset,
      policy,
      withInterval(p!.sloViolationMinutes, 1),
      withInterval(p!.cost, 2),
      withInterval(p!.podHours, 1),
      withInterval(p!.meanUtilizationPercent, 1),
      withInterval(p!.scalingActions, 0),
      String(p!.sloViolationMinutes.n),
    ]),
  );
  const pairedRows = Object.entries(sections.experiment).flatMap(([dataset, d]) =>
    d.prescaleVsHpa === null
      ? []
      : (['sloViolationMinutes', 'cost'] as const).map((metric) => {
          const test = d.prescaleVsHpa![metric];
          const digits = metric === 'cost' ? 2 : 1;
          return [
            dataset,
            metric,
            String(test.n),
            fixed(test.difference.mean, digits),
            `[${fixed(test.difference.lower, digits)}, ${fixed(test.difference.upper, digits)}]`,
            fixed(test.t, 3),
            String(test.df),
            fixed(test.p, 4),
          ];
        }),
  );
  const equalCostRows = Object.entries(sections.experiment).flatMap(([dataset, d]) =>
    d.equalCost.map((r) => [dataset, ...equalCostCells(r)]),
  );
  const forecasterRows = Object.entries(forecasterStudies(sections)).flatMap(([dataset, models]) =>
    Object.entries(models).map(([model, { figures, equalCost }]) => [
      dataset,
      model,
      withInterval(figures.sloViolationMinutes, 1),
      withInterval(figures.cost, 2),
      formatReading(equalCost?.hpaMinutesAtCost ?? null, 1),
      formatRatio(equalCost?.minutesRatio ?? null),
      formatReading(equalCost?.hpaCostAtMinutes ?? null, 2),
      formatRatio(equalCost?.costRatio ?? null),
    ]),
  );
  const ablationRows = Object.entries(sections.ablations).flatMap(([dataset, variants]) => {
    const full = sections.experiment[dataset]?.policies.prescale;
    const row = (name: string, p: PolicyStatistics) => [
      dataset,
      name,
      withInterval(p.sloViolationMinutes, 1),
      withInterval(p.cost, 2),
      full ? change(p.sloViolationMinutes.mean, full.sloViolationMinutes.mean) : 'n/a',
      full ? change(p.cost.mean, full.cost.mean) : 'n/a',
    ];
    return [
      ...(full ? [row('prescale (all parts)', full)] : []),
      ...ABLATIONS.filter((a) => variants[a.name]).map((a) => row(a.name, variants[a.name]!)),
    ];
  });
  const mean95 = '(mean [95 % CI])';
  return [
    {
      name: 'accuracy',
      title: 'Forecast accuracy: mean over horizons 1..H of the shared protocol',
      header: [
        'dataset',
        'model',
        'rmse',
        'mae',
        'wape',
        'rmse/snaive',
        'cover80',
        'fit ms (mean)',
        'forecast ms/origin',
      ],
      rows: accuracyRows,
    },
    {
      name: 'experiment',
      title: `Autoscaling experiment: each policy over seeds ${mean95}`,
      header: ['dataset', 'policy', 'SLO-viol min', 'cost $', 'pod-h', 'util %', 'actions', 'seeds'],
      rows: experimentRows,
    },
    {
      name: 'paired',
      title: 'Prescale − HPA, paired by seed (paired t test, two-sided)',
      header: ['dataset', 'metric', 'n', 'mean difference', '95 % CI', 't', 'df', 'p'],
      rows: pairedRows,
    },
    {
      name: 'equal-cost',
      title: "Equal cost: each point read against the HPA's frontier (* as configured)",
      header: ['dataset', ...EQUAL_COST_HEADER],
      rows: equalCostRows,
    },
    {
      name: 'forecasters',
      title: `Prescale with each model as its forecaster ${mean95}, read against the HPA's frontier`,
      header: [
        'dataset',
        'model',
        'SLO-viol min',
        'cost $',
        'HPA min at cost',
        'min ratio',
        'HPA $ at min',
        'cost ratio',
      ],
      rows: forecasterRows,
    },
    {
      name: 'ablations',
      title: `Ablations: Prescale with one part taken away ${mean95}`,
      header: ['dataset', 'variant', 'SLO-viol min', 'cost $', 'min vs prescale', 'cost vs prescale'],
      rows: ablationRows,
    },
  ];
}

/** A table as Markdown, under its title. */
export function tableMarkdown(table: StudyTable): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  const align = table.header.map((_, i) => (i < 2 ? '---' : '---:'));
  return `### ${table.title}\n\n${[line(table.header), line(align), ...table.rows.map(line)].join('\n')}\n`;
}

/** A table as CSV (RFC 4180 quoting). */
export function tableCsv(table: StudyTable): string {
  const cell = (c: string) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c);
  return `${[table.header, ...table.rows].map((row) => row.map(cell).join(',')).join('\n')}\n`;
}

/** Mean with its interval as chart data: the interval collapses to the mean for one seed. */
function bounds(s: SeedStatistic) {
  return { mean: s.mean, lower: s.ci95.lower ?? s.mean, upper: s.ci95.upper ?? s.mean };
}

/** A chart point: mean cost and minutes with their 95 % intervals (the interval's mean when seeds were too few). */
function costMinutesPoint(figures: { readonly cost: SeedStatistic; readonly sloViolationMinutes: SeedStatistic }) {
  const minutes = bounds(figures.sloViolationMinutes);
  const cost = bounds(figures.cost);
  return {
    cost: cost.mean,
    costLower: cost.lower,
    costUpper: cost.upper,
    minutes: minutes.mean,
    minutesLower: minutes.lower,
    minutesUpper: minutes.upper,
  };
}

/** Each policy's cost against its SLO-violation minutes with both 95 % intervals. */
function experimentSpec(dataset: string, policies: Partial<Record<PolicyName, PolicyStatistics>>): vl.TopLevelSpec {
  const names = Object.keys(policies) as PolicyName[];
  const values = names.map((policy) => ({ policy, ...costMinutesPoint(policies[policy]!) }));
  const color = {
    field: 'policy',
    type: 'nominal' as const,
    scale: { domain: names, range: names.map((p) => POLICY_COLORS[p]) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const },
  };
  const x = { field: 'cost', type: 'quantitative' as const, title: 'cost ($)', scale: { zero: false } };
  const y = { field: 'minutes', type: 'quantitative' as const, title: 'SLO-violation minutes' };
  return {
    width: 640,
    height: 320,
    title: `${dataset}: cost vs. SLO-violation minutes, mean and 95 % CI over seeds`,
    data: { values },
    layer: [
      { mark: 'rule', encoding: { x, y: { ...y, field: 'minutesLower' }, y2: { field: 'minutesUpper' }, color } },
      { mark: 'rule', encoding: { x: { ...x, field: 'costLower' }, x2: { field: 'costUpper' }, y, color } },
      { mark: { type: 'point', filled: true, size: 80 }, encoding: { x, y, color } },
    ],
  };
}

/** Each forecaster's Prescale (points with 95 % intervals) over the HPA's frontier (its sweep, a line). */
function forecastersSpec(
  dataset: string,
  models: Record<string, ForecasterStudy>,
  hpaSweep: readonly { cost: number; minutes: number }[],
): vl.TopLevelSpec {
  const values = Object.entries(models).map(([model, { figures }]) => ({ model, ...costMinutesPoint(figures) }));
  const color = { field: 'model', type: 'nominal' as const, legend: { orient: 'top' as const } };
  const x = { field: 'cost', type: 'quantitative' as const, title: 'cost ($)', scale: { zero: false } };
  const y = { field: 'minutes', type: 'quantitative' as const, title: 'SLO-violation minutes' };
  return {
    width: 640,
    height: 320,
    title: `${dataset}: Prescale per forecaster (mean, 95 % CI) and the HPA's frontier (red)`,
    layer: [
      {
        data: { values: paretoFrontier(hpaSweep).map((p) => ({ cost: p.cost, minutes: p.minutes })) },
        mark: { type: 'line', point: { color: POLICY_COLORS.hpa }, color: POLICY_COLORS.hpa },
        encoding: { x, y },
      },
      {
        data: { values },
        layer: [
          { mark: 'rule', encoding: { x, y: { ...y, field: 'minutesLower' }, y2: { field: 'minutesUpper' }, color } },
          { mark: 'rule', encoding: { x: { ...x, field: 'costLower' }, x2: { field: 'costUpper' }, y, color } },
          { mark: { type: 'point', filled: true, size: 80 }, encoding: { x, y, color } },
        ],
      },
    ],
  };
}

/** Each ablation's SLO-violation minutes (bars) with its 95 % interval, full Prescale first. */
function ablationSpec(dataset: string, rows: { variant: string; stat: SeedStatistic }[]): vl.TopLevelSpec {
  const values = rows.map(({ variant, stat }) => ({ variant, ...bounds(stat) }));
  const y = { field: 'variant', type: 'nominal' as const, sort: null, title: null };
  return {
    width: 560,
    height: { step: 28 },
    title: `${dataset}: ablations, SLO-violation minutes (mean, 95 % CI)`,
    data: { values },
    layer: [
      {
        mark: { type: 'bar', color: POLICY_COLORS.prescale },
        encoding: { y, x: { field: 'mean', type: 'quantitative', title: 'SLO-violation minutes' } },
      },
      { mark: 'rule', encoding: { y, x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } } },
    ],
  };
}

/** Each model's RMSE against seasonal naive, grouped by dataset (below 1 beats "same time yesterday"). */
function accuracySpec(sections: StudySections): vl.TopLevelSpec {
  const values = Object.entries(sections.accuracy).flatMap(([dataset, d]) =>
    Object.entries(d.models).map(([model, m]) => ({ dataset, model, ratio: m.rmseVsSnaive })),
  );
  return {
    width: 560,
    height: 280,
    title: 'Forecast accuracy: RMSE over seasonal naive (mean over horizons)',
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'model', type: 'nominal', title: null },
      xOffset: { field: 'dataset' },
      y: { field: 'ratio', type: 'quantitative', title: 'RMSE / seasonal-naive RMSE' },
      color: { field: 'dataset', type: 'nominal', legend: { orient: 'top' } },
    },
  };
}

/** Every figure of the study as SVG, by file name (under the study's `figures/`). */
export async function studyFigures(sections: StudySections): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  if (Object.keys(sections.accuracy).length > 0) figures['accuracy.svg'] = await renderSvg(accuracySpec(sections));
  for (const [dataset, d] of Object.entries(sections.experiment)) {
    figures[`experiment-${dataset}.svg`] = await renderSvg(experimentSpec(dataset, d.policies));
  }
  for (const [dataset, models] of Object.entries(forecasterStudies(sections))) {
    const hpaSweep = sections.experiment[dataset]?.hpaSweep ?? [];
    figures[`forecasters-${dataset}.svg`] = await renderSvg(forecastersSpec(dataset, models, hpaSweep));
  }
  for (const [dataset, variants] of Object.entries(sections.ablations)) {
    const full = sections.experiment[dataset]?.policies.prescale;
    const rows = [
      ...(full ? [{ variant: 'prescale (all parts)', stat: full.sloViolationMinutes }] : []),
      ...ABLATIONS.filter((a) => variants[a.name]).map((a) => ({
        variant: a.name,
        stat: variants[a.name]!.sloViolationMinutes,
      })),
    ];
    figures[`ablations-${dataset}.svg`] = await renderSvg(ablationSpec(dataset, rows));
  }
  return figures;
}
