// Window recall and point precision of the Hampel filter on the labelled NAB series (realAWSCloudwatch,
// realKnownCause), over a grid of settings, plus the per-series table at the default.
// Run: npx tsx bench/preprocessor-anomalies-nab.ts [--markdown]
import { readFileSync } from 'node:fs';
import type { Series } from '../src/core/index.js';
import {
  type AnomalyFilterOptions,
  DEFAULT_ANOMALY_FILTER,
  filterAnomalies,
  scoreAgainstWindows,
  type WindowScore,
} from '../src/preprocessor/anomalies.js';
import { resampleToStep } from '../src/preprocessor/resample.js';
import { readTraceCsv, sharedDataPath } from '../src/testing/trace-csv.js';

const FOLDERS = ['realAWSCloudwatch', 'realKnownCause'];

/** NAB writes 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC. */
function nabSeconds(text: string): number {
  return Date.parse(`${text.slice(0, 19).replace(' ', 'T')}Z`) / 1000;
}

interface Labelled {
  readonly name: string;
  readonly series: Series;
  readonly windows: [number, number][];
  /** NAB's labelled anomaly points (one per window, inside it). */
  readonly labelsSeconds: number[];
}

/** Labelled points with a flag within ±2 buckets: a much tighter test than the wide windows. */
const LABEL_TOLERANCE_STEPS = 2;
function labelsHit(d: Labelled, flaggedMask: Uint8Array): number {
  const { startSeconds, stepSeconds } = d.series;
  return d.labelsSeconds.filter((t) => {
    const i = Math.floor((t - startSeconds) / stepSeconds);
    for (let j = i - LABEL_TOLERANCE_STEPS; j <= i + LABEL_TOLERANCE_STEPS; j++) if (flaggedMask[j]) return true;
    return false;
  }).length;
}

/** Each labelled file, resampled (mean) to its own median step, which is how Prescale would see it. */
function loadLabelledSeries(): Labelled[] {
  const allWindows = JSON.parse(readFileSync(sharedDataPath('nab/labels/combined_windows.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  const allLabels = JSON.parse(readFileSync(sharedDataPath('nab/labels/combined_labels.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  const out: Labelled[] = [];
  for (const [key, windows] of Object.entries(allWindows).sort()) {
    if (!FOLDERS.some((f) => key.startsWith(`${f}/`))) continue;
    const raw = readTraceCsv(sharedDataPath(`nab/${key}`));
    const diffs = Array.from(raw.timestampsSeconds.subarray(1), (t, i) => t - raw.timestampsSeconds[i])
      .filter((d) => d > 0)
      .sort((a, b) => a - b);
    const stepSeconds = diffs[diffs.length >> 1];
    out.push({
      name: key.split('/')[1].replace(/\.csv$/, ''),
      series: resampleToStep(raw, { stepSeconds, aggregation: 'mean' }),
      windows: windows.map(([a, b]) => [nabSeconds(a), nabSeconds(b)]),
      labelsSeconds: (allLabels[key] ?? []).map(nabSeconds),
    });
  }
  return out;
}

function sum(scores: WindowScore[], key: keyof WindowScore): number {
  return scores.reduce((acc, s) => acc + s[key], 0);
}
const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : '–');

const data = loadLabelledSeries();
const totalBuckets = data.reduce((acc, d) => acc + d.series.values.length, 0);

const grid: AnomalyFilterOptions[] = [];
for (const mode of ['centered', 'causal'] as const)
  for (const windowSteps of [13, 25, 49, 97])
    for (const threshold of [3, 4.5, 6, 9]) grid.push({ mode, windowSteps, threshold });

console.log(
  `${data.length} labelled series (${data.filter((d) => d.windows.length > 0).length} with windows), ` +
    `${sum(
      data.map((d) => scoreAgainstWindows(d.series, new Uint8Array(d.series.values.length), d.windows)),
      'windows',
    )} windows, ${totalBuckets} buckets\n`,
);
const totalLabels = data.reduce((acc, d) => acc + d.labelsSeconds.length, 0);
console.log(
  '| mode | window (buckets) | threshold (scaled MADs) | flagged | flagged / all buckets | window recall | point precision | labels hit ±2 buckets |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
interface Totals {
  flagged: number;
  detectedWindows: number;
  flaggedInWindows: number;
  labelsHit: number;
}

/** Sums over all series of one flag mask per series. */
function totalsOf(masks: Uint8Array[]): Totals {
  const scores = data.map((d, i) => scoreAgainstWindows(d.series, masks[i], d.windows));
  return {
    flagged: sum(scores, 'flagged'),
    detectedWindows: sum(scores, 'detectedWindows'),
    flaggedInWindows: sum(scores, 'flaggedInWindows'),
    labelsHit: data.reduce((acc, d, i) => acc + labelsHit(d, masks[i]), 0),
  };
}

/** The chance level: the same number of flags per series, at uniformly random observed buckets (mean of 20 draws). */
function randomTotals(masks: Uint8Array[]): Totals {
  const draws = 20;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const mean: Totals = { flagged: 0, detectedWindows: 0, flaggedInWindows: 0, labelsHit: 0 };
  for (let draw = 0; draw < draws; draw++) {
    const randomMasks = data.map((d, i) => {
      const observed = Array.from(d.series.values.keys()).filter((j) => !Number.isNaN(d.series.values[j]));
      const mask = new Uint8Array(d.series.values.length);
      const count = masks[i].reduce((a, b) => a + b, 0);
      for (let k = 0; k < count; k++) {
        const pick = k + Math.floor(random() * (observed.length - k));
        [observed[k], observed[pick]] = [observed[pick], observed[k]];
        mask[observed[k]] = 1;
      }
      return mask;
    });
    const t = totalsOf(randomMasks);
    for (const key of Object.keys(mean) as (keyof Totals)[]) mean[key] += t[key] / draws;
  }
  return mean;
}

function printRow(label: string, windowSteps: number | string, threshold: number | string, t: Totals): void {
  const r = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  console.log(
    `| ${label} | ${windowSteps} | ${threshold} | ${r(t.flagged)} | ${pct(t.flagged / totalBuckets)} | ` +
      `${r(t.detectedWindows)}/${totalWindows} = ${pct(t.detectedWindows / totalWindows)} | ` +
      `${pct(t.flaggedInWindows / t.flagged)} | ${r(t.labelsHit)}/${totalLabels} |`,
  );
}

const totalWindows = data.reduce((acc, d) => acc + d.windows.length, 0);
for (const options of grid) {
  const isDefault =
    options.mode === DEFAULT_ANOMALY_FILTER.mode &&
    options.windowSteps === DEFAULT_ANOMALY_FILTER.windowSteps &&
    options.threshold === DEFAULT_ANOMALY_FILTER.threshold;
  const masks = data.map((d) => filterAnomalies(d.series, options).flaggedMask);
  printRow(
    `${options.mode}${isDefault ? ' **(default)**' : ''}`,
    options.windowSteps ?? '',
    options.threshold ?? '',
    totalsOf(masks),
  );
}
for (const mode of ['centered', 'causal'] as const) {
  const masks = data.map((d) => filterAnomalies(d.series, { ...DEFAULT_ANOMALY_FILTER, mode }).flaggedMask);
  printRow(`random flags, as many as ${mode} 25/6`, '–', '–', randomTotals(masks));
}
const baseRate =
  sum(
    data.map((d) => scoreAgainstWindows(d.series, new Uint8Array(d.series.values.length), d.windows)),
    'bucketsInWindows',
  ) / totalBuckets;
console.log(`\nBase rate (share of buckets inside a labelled window = precision of random flags): ${pct(baseRate)}\n`);

for (const mode of ['centered', 'causal'] as const) {
  const options = { ...DEFAULT_ANOMALY_FILTER, mode };
  console.log(`Per series, ${mode}, window ${options.windowSteps}, threshold ${options.threshold}:\n`);
  console.log(
    '| series | step (s) | buckets | windows | detected | flagged | in windows | precision | base rate | labels hit |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const d of data) {
    const mask = filterAnomalies(d.series, options).flaggedMask;
    const s = scoreAgainstWindows(d.series, mask, d.windows);
    console.log(
      `| ${d.name} | ${d.series.stepSeconds} | ${d.series.values.length} | ${s.windows} | ${s.detectedWindows} | ${s.flagged} | ` +
        `${s.flaggedInWindows} | ${pct(s.flaggedInWindows / s.flagged)} | ${pct(s.bucketsInWindows / d.series.values.length)} | ${labelsHit(d, mask)}/${d.labelsSeconds.length} |`,
    );
  }
  console.log('');
}
