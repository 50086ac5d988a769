import type { PolicyStatistics, StudySections } from './study.js';
import { studyTables, tableMarkdown } from './study-tables.js';

/*
 * The study's numbers in the documents (docs/experiments.md, docs/paper-draft.md), written from study.json and
 * never by hand. A document marks what the study fills:
 *   <!-- study:PATH FORMAT -->value<!-- /study -->   one number (or word) of study.json, PATH dotted
 *   <!-- study-table:NAME -->…<!-- /study-table -->  one of the study's tables (study-tables.ts), whole
 *   <!-- study-figures:PREFIX -->…<!-- /study-figures -->  the figure PREFIX-<dataset>.png of every dataset
 * `npm run docs:study` rewrites what is between the markers; src/docs-study.test.ts checks the committed documents
 * agree with the committed study.json and quote no result number outside a marker.
 */

/** Where the repo keeps the study its documents quote, and those documents (both relative to docs/). */
export const DOCS_STUDY_DIR = 'study';
export const STUDY_DOCUMENTS = ['experiments.md', 'paper-draft.md'] as const;

/** study.json as the documents read it (the shape `studyJson` writes). */
export type StudyJson = Record<string, unknown> & {
  readonly accuracy: { readonly datasets: StudySections['accuracy'] };
  readonly experiment: { readonly datasets: StudySections['experiment'] };
  readonly forecasters: { readonly datasets: Record<string, Record<string, { readonly figures: PolicyStatistics }>> };
  readonly ablations: { readonly datasets: StudySections['ablations'] };
};

/** The steps' sections back from study.json, so the documents' tables are the study's own. */
export function sectionsOfStudy(study: StudyJson): StudySections {
  return {
    accuracy: study.accuracy.datasets,
    experiment: study.experiment.datasets,
    forecasters: Object.fromEntries(
      Object.entries(study.forecasters.datasets).map(([dataset, models]) => [
        dataset,
        Object.fromEntries(Object.entries(models).map(([model, m]) => [model, m.figures])),
      ]),
    ),
    ablations: study.ablations.datasets,
  };
}

/**
 * The value at a dotted path. A segment `field=value` picks the element of an array whose field reads as value
 * (`equalCost.configured=true`); keys may hold hyphens (`nasa-jul95`) but not dots.
 */
export function studyValue(study: unknown, path: string): unknown {
  let value: unknown = study;
  for (const segment of path.split('.')) {
    const [field, wanted] = segment.split('=');
    if (wanted !== undefined && Array.isArray(value)) {
      value = value.find((element) => String((element as Record<string, unknown>)[field]) === wanted);
    } else if (value !== null && typeof value === 'object' && segment in value) {
      value = (value as Record<string, unknown>)[segment];
    } else {
      value = undefined;
    }
    if (value === undefined) throw new RangeError(`study.json has no ${path} (no ${segment})`);
  }
  return value;
}

/** A number as a document quotes it; `–` for null (JSON's undefined figure). */
function number(value: unknown, digits: number): string {
  if (value === null) return '–';
  if (typeof value !== 'number') throw new TypeError(`expected a number, got ${JSON.stringify(value)}`);
  return value.toFixed(digits);
}

/**
 * The formats a span may ask for: `N` (N decimals), `pctN` (a share as percent), `fewerpctN` (a ratio below 1 as
 * "percent fewer"), `absN` (N = 1, 2: without its sign), `sign:NEG/POS` and `vs1:BELOW/ABOVE` (a word by the
 * value's side of 0 or of 1), `p` (a p-value as `p = 0.0123`, or `p < 0.0001` below what four decimals show), `significant` (a p-value against 5 %), `run` (plan.quick as the run's name), `hours` (plan.limitSeconds), `list`, `day` (an ISO
 * date's day), `commit` (its first 7 characters); none: the value as it is.
 */
export function formatStudyValue(value: unknown, format: string | undefined): string {
  if (format === undefined) return String(value);
  const digits = format.match(/^(pct|fewerpct)?(\d)$/);
  if (digits) {
    const [, kind, n] = digits;
    if (kind === undefined) return number(value, Number(n));
    if (value === null) return '–';
    const share = kind === 'pct' ? (value as number) : 1 - (value as number);
    return number(share * 100, Number(n));
  }
  // Words that follow the numbers, so a sentence reads right whichever way a rerun goes.
  const words = format.match(/^(sign|vs1):([^/]+)\/(.+)$/);
  if (words) {
    const [, kind, below, above] = words;
    if (typeof value !== 'number') throw new TypeError(`expected a number, got ${JSON.stringify(value)}`);
    return value < (kind === 'sign' ? 0 : 1) ? below : above;
  }
  switch (format) {
    case 'abs1':
      return number(Math.abs(value as number), 1);
    case 'abs2':
      return number(Math.abs(value as number), 2);
    case 'p':
      if (typeof value !== 'number') throw new TypeError(`expected a p-value, got ${JSON.stringify(value)}`);
      return value < 0.0001 ? 'p < 0.0001' : `p = ${value.toFixed(4)}`;
    case 'significant':
      return value !== null && (value as number) < 0.05
        ? 'significant at the 5 % level'
        : 'not significant at the 5 % level';
    case 'run':
      return value ? 'quick run (`prescale study --quick`)' : 'full run (`prescale study`)';
    case 'hours':
      return value === null ? 'the whole test period' : `${(value as number) / 3600} h`;
    case 'list':
      return (value as unknown[]).join(', ');
    case 'day':
      return String(value).slice(0, 10);
    case 'commit':
      return value === null ? 'unknown' : String(value).slice(0, 7);
    default:
      throw new RangeError(`unknown study format ${format}`);
  }
}

const SPAN = /<!-- study:(\S+)(?: (\S+))? -->([\s\S]*?)<!-- \/study -->/g;
const TABLE = /<!-- study-table:(\S+) -->[\s\S]*?<!-- \/study-table -->/g;
const FIGURES = /<!-- study-figures:(\S+) -->[\s\S]*?<!-- \/study-figures -->/g;

/** A span of a document: its path, format and the text it holds now. */
export interface StudySpan {
  readonly path: string;
  readonly format: string | undefined;
  readonly text: string;
}

/** Every number span of a document. */
export function studySpans(document: string): StudySpan[] {
  return [...document.matchAll(SPAN)].map(([, path, format, text]) => ({ path, format, text }));
}

/**
 * The document with every marker filled from study.json. `figuresDir` is the figures' folder as the document
 * links it (e.g. `study/figures`).
 */
export function fillStudyDocument(document: string, study: StudyJson, figuresDir: string): string {
  // Drawn only for a document that includes a table or figures.
  const tables = () => new Map(studyTables(sectionsOfStudy(study)).map((t) => [t.name, t]));
  return document
    .replace(
      SPAN,
      (_, path: string, format: string | undefined) =>
        `<!-- study:${path}${format ? ` ${format}` : ''} -->${formatStudyValue(studyValue(study, path), format)}<!-- /study -->`,
    )
    .replace(TABLE, (_, name: string) => {
      const table = tables().get(name);
      if (!table) throw new RangeError(`the study has no table ${name}`);
      return `<!-- study-table:${name} -->\n${tableMarkdown(table).replace(/^### .*\n\n/, '')}<!-- /study-table -->`;
    })
    .replace(FIGURES, (_, prefix: string) => {
      // One figure per dataset of the step that drew it (study-tables.ts `studyFigures`), one for accuracy.
      const step = { experiment: study.experiment, forecasters: study.forecasters, ablations: study.ablations }[prefix];
      const names = step ? Object.keys(step.datasets).map((d) => `${prefix}-${d}`) : [prefix];
      const images = names.map((name) => `![${name}](${figuresDir}/${name}.png)`).join('\n');
      return `<!-- study-figures:${prefix} -->\n${images}\n<!-- /study-figures -->`;
    });
}

/**
 * The text of a document's section (from its `## heading` to the next `## `) with the filled markers taken out,
 * links' targets and inline code dropped: what is left was written by hand, so it should quote no result.
 */
export function handWrittenText(document: string, heading: string): string {
  const start = document.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new RangeError(`no section ## ${heading}`);
  const end = document.indexOf('\n## ', start + 1);
  return document
    .slice(start + heading.length + 5, end < 0 ? undefined : end)
    .replace(SPAN, '')
    .replace(TABLE, '')
    .replace(FIGURES, '')
    .replace(/`[^`]*`/g, '')
    .replace(/\]\([^)]*\)/g, ']');
}
