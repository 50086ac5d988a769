import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DOCS_STUDY_DIR,
  fillStudyDocument,
  formatStudyValue,
  handWrittenText,
  STUDY_DOCUMENTS,
  type StudyJson,
  studySpans,
  studyValue,
} from './experiments/study-docs.js';
import { repoRoot } from './testing/paths.js';

/**
 * The documents quote the study, never a number typed by hand: every marked number, table and figure of
 * docs/experiments.md and docs/paper-draft.md is what `npm run docs:study` writes from the committed
 * docs/study/study.json, and their result sections hold no other number.
 */

const docs = join(repoRoot, 'docs');
const study = JSON.parse(readFileSync(join(docs, DOCS_STUDY_DIR, 'study.json'), 'utf8')) as StudyJson;
const read = (name: string) => readFileSync(join(docs, name), 'utf8');

/** The sections whose numbers must come from the study, per document. */
const RESULT_SECTIONS: Record<(typeof STUDY_DOCUMENTS)[number], readonly string[]> = {
  'experiments.md': ['Results'],
  'paper-draft.md': ['Abstract', 'Results', 'Discussion', 'Conclusion'],
};

/** Numbers that are not results: citations ([4], [13, 14]), the 95 % confidence level, the 5 % test level, p95. */
const NOT_RESULTS = [/\[\d+(?:, \d+)*\]/g, /\b95 %/g, /\b5 % level/g, /\bp95\b/g];

describe('the documents quote the committed study', () => {
  for (const name of STUDY_DOCUMENTS) {
    it(`${name}: every marked number, table and figure is what study.json gives`, () => {
      const text = read(name);
      assert.equal(fillStudyDocument(text, study, `${DOCS_STUDY_DIR}/figures`), text, 'run npm run docs:study');
      for (const span of studySpans(text)) {
        assert.equal(span.text, formatStudyValue(studyValue(study, span.path), span.format), span.path);
      }
      for (const [, target] of text.matchAll(/\]\((study\/[^)]+)\)/g)) {
        assert.ok(existsSync(join(docs, target)), `${name} links ${target}, which docs/study lacks`);
      }
    });

    it(`${name}: its result sections quote no number outside the markers`, () => {
      const text = read(name);
      for (const section of RESULT_SECTIONS[name]) {
        let rest = handWrittenText(text, section);
        for (const allowed of NOT_RESULTS) rest = rest.replace(allowed, '');
        const strays = [...rest.matchAll(/.{0,30}\d.{0,30}/g)].map((m) => m[0]);
        assert.deepEqual(strays, [], `${name} § ${section}: numbers typed by hand`);
      }
    });
  }

  it('the paper says which run it quotes and quotes the main results', () => {
    const paths = new Set(studySpans(read('paper-draft.md')).map((s) => `${s.path} ${s.format}`));
    for (const quoted of [
      'plan.quick run',
      'plan.seeds undefined',
      'experiment.datasets.nasa-jul95.prescaleVsHpa.sloViolationMinutes.p p',
      'experiment.datasets.nasa-jul95.equalCost.configured=true.minutesRatio 2',
      'forecasters.datasets.nasa-jul95.ets.equalCost.minutesRatio 2',
      'ablations.datasets.nasa-jul95.no-forecast.sloViolationMinutes.mean 1',
    ]) {
      assert.ok(paths.has(quoted), quoted);
    }
    const tables = [...read('experiments.md').matchAll(/<!-- study-table:(\S+) -->/g)].map((m) => m[1]);
    assert.deepEqual(tables, ['accuracy', 'experiment', 'paired', 'equal-cost', 'forecasters', 'ablations']);
  });
});

describe('study markers', () => {
  const tiny = {
    plan: { quick: false, seeds: 5, limitSeconds: null, names: ['a', 'b'] },
    rows: [
      { policy: 'hpa', ratio: 0.5 },
      { policy: 'prescale', ratio: 0.28, configured: true },
    ],
    p: 0.0123,
    pSmall: 2.7e-7,
    diff: -49.54,
  };

  const formats = [
    { name: 'digits', path: 'rows.policy=prescale.ratio', format: '2', want: '0.28' },
    { name: 'a share as percent', path: 'rows.policy=hpa.ratio', format: 'pct1', want: '50.0' },
    { name: 'a ratio as percent fewer', path: 'rows.configured=true.ratio', format: 'fewerpct0', want: '72' },
    { name: 'without the sign', path: 'diff', format: 'abs1', want: '49.5' },
    { name: 'a word by the sign', path: 'diff', format: 'sign:fewer/more', want: 'fewer' },
    { name: 'a word by the side of 1', path: 'rows.policy=hpa.ratio', format: 'vs1:below/above', want: 'below' },
    { name: 'significance', path: 'p', format: 'significant', want: 'significant at the 5 % level' },
    { name: 'a p-value', path: 'p', format: 'p', want: 'p = 0.0123' },
    { name: 'a p-value below four decimals', path: 'pSmall', format: 'p', want: 'p < 0.0001' },
    { name: 'the run', path: 'plan.quick', format: 'run', want: 'full run (`prescale study`)' },
    { name: 'the whole period', path: 'plan.limitSeconds', format: 'hours', want: 'the whole test period' },
    { name: 'a list', path: 'plan.names', format: 'list', want: 'a, b' },
    { name: 'as it is', path: 'plan.seeds', format: undefined, want: '5' },
  ];
  for (const { name, path, format, want } of formats) {
    it(`${name}: ${path} ${format ?? ''} → ${want}`, () => {
      assert.equal(formatStudyValue(studyValue(tiny, path), format), want);
    });
  }

  it('a path study.json lacks is refused, naming it', () => {
    assert.throws(() => studyValue(tiny, 'rows.policy=oracle.ratio'), /study.json has no rows.policy=oracle.ratio/);
    assert.throws(() => studyValue(tiny, 'plan.hours'), /no hours/);
  });

  it('filling rewrites the value between the markers and keeps the rest', () => {
    const before = 'HPA <!-- study:rows.policy=hpa.ratio 2 -->9.99<!-- /study --> and p95 stay.';
    const after = fillStudyDocument(before, tiny as unknown as StudyJson, 'study/figures');
    assert.equal(after, 'HPA <!-- study:rows.policy=hpa.ratio 2 -->0.50<!-- /study --> and p95 stay.');
  });
});
