import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomic } from '../core/atomic-write.js';
import { PrescaleError, systemClock } from '../core/index.js';
import { BUNDLED_DATASETS_PATH, loadDataset, readDatasetsFile } from '../experiments/datasets.js';
import { gitState } from '../experiments/provenance.js';
import {
  datasetAccuracy,
  FORECASTER_MODELS,
  QUICK_MODELS,
  STUDY_STEPS,
  type StepProvenance,
  type StudyPlan,
  type StudySections,
  type StudyStep,
  stepPlan,
  studyJson,
} from '../experiments/study.js';
import { MODEL_NAMES } from '../models/names.js';
import { createProgressBars } from './progress.js';
import type { RegisterCommand } from './run.js';
import { studyParts } from './study-parts.js';
import { ablationsStep, experimentStep, forecastersStep } from './study-simulation.js';

/** The forecast benchmark's datasets (the shared protocol), beside the repository; the bundled file without it. */
const SHARED_BENCH_DATASETS_PATH = resolve(dirname(BUNDLED_DATASETS_PATH), '../../shared/bench/datasets.json');

/** The other traces the experiment can load (docs/simulator.md), from ../shared/data when it is there. */
const EXPERIMENT_TRACES_PATH = resolve(dirname(BUNDLED_DATASETS_PATH), 'experiment-traces.json');

/** Seeds of a full study (the issue asks for at least 5) and of `--quick`. */
const FULL_SEEDS = 5;
const QUICK_SEEDS = 2;
/** `--quick` simulates and backtests one day. */
const QUICK_SECONDS = 86_400;

/** The study's files, relative to `--out`. */
export const STUDY_FILES = {
  json: 'study.json',
  /** Per step: its section of study.json, and the marker written last (a rerun skips a step that has it). */
  section: (step: StudyStep) => join(step, 'section.json'),
  marker: (step: StudyStep) => join(step, 'done.json'),
  tables: 'tables',
  figures: 'figures',
} as const;

/** A path as a rerun on another machine reads it: relative to the working directory (`../shared/…` too). */
function portablePath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !isAbsolute(rel) ? rel : path;
}

/** The names in a datasets file whose trace is present (the shared data may be partly checked out). */
async function loadableDatasets(path: string): Promise<string[]> {
  const datasets = await readDatasetsFile(path);
  return Object.entries(datasets)
    .filter(([, d]) => existsSync(resolve(dirname(path), d.file)))
    .map(([name]) => name);
}

/** What a study runs: the full study, or `--quick` (fast models, one day, two seeds, the bundled trace). */
export async function studyPlan(quick: boolean): Promise<StudyPlan> {
  const bundled = await loadableDatasets(BUNDLED_DATASETS_PATH);
  if (quick) {
    const datasets = [bundled[0]];
    const file = portablePath(BUNDLED_DATASETS_PATH);
    return {
      quick,
      seeds: QUICK_SEEDS,
      limitSeconds: QUICK_SECONDS,
      accuracy: { datasetsFile: file, datasets, models: [...QUICK_MODELS], testSeconds: QUICK_SECONDS },
      experiment: [{ datasetsFile: file, datasets }],
      forecasters: { models: [...QUICK_MODELS] },
    };
  }
  const accuracyFile = existsSync(SHARED_BENCH_DATASETS_PATH) ? SHARED_BENCH_DATASETS_PATH : BUNDLED_DATASETS_PATH;
  return {
    quick,
    seeds: FULL_SEEDS,
    limitSeconds: null,
    accuracy: {
      datasetsFile: portablePath(accuracyFile),
      datasets: await loadableDatasets(accuracyFile),
      models: [...MODEL_NAMES],
      testSeconds: null,
    },
    experiment: [
      { datasetsFile: portablePath(BUNDLED_DATASETS_PATH), datasets: bundled },
      { datasetsFile: portablePath(EXPERIMENT_TRACES_PATH), datasets: await loadableDatasets(EXPERIMENT_TRACES_PATH) },
    ].filter((source) => source.datasets.length > 0),
    forecasters: { models: [...FORECASTER_MODELS] },
  };
}

/** The marker of a finished step (commit, dirty and finishedAt are missing from markers written before them). */
interface StepMarker {
  readonly step: StudyStep;
  readonly plan: StudyPlan;
  readonly seconds: number;
  readonly commit?: string | null;
  readonly dirty?: boolean | null;
  readonly finishedAt?: string;
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** A step's provenance from its marker; an older marker's finish time is the marker file's. */
async function markerProvenance(markerPath: string, step: StudyStep): Promise<StepProvenance> {
  const marker = JSON.parse(await readFile(markerPath, 'utf8')) as StepMarker;
  return {
    commit: marker.commit ?? null,
    dirty: marker.dirty ?? null,
    finishedAt: marker.finishedAt ?? (await stat(markerPath)).mtime.toISOString(),
    plan: stepPlan(marker.plan, step),
  };
}

/**
 * Runs one step unless its marker says it is done under the same plan (the step's part of it), keeping the parts
 * an earlier run of it finished; returns its section, wall seconds and provenance. The section and provenance are always read back from disk, so a fresh
 * and a resumed study assemble the same study.json.
 */
async function runStep(
  outDir: string,
  step: StudyStep,
  plan: StudyPlan,
  force: boolean,
  work: (stepDir: string) => Promise<unknown>,
): Promise<{ section: unknown; seconds: number; skipped: boolean; provenance: StepProvenance }> {
  const stepDir = join(outDir, step);
  const markerPath = join(outDir, STUDY_FILES.marker(step));
  const sectionPath = join(outDir, STUDY_FILES.section(step));
  if (!force && existsSync(markerPath)) {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as StepMarker;
    if (isDeepStrictEqual(stepPlan(marker.plan, step), stepPlan(plan, step))) {
      return {
        section: JSON.parse(await readFile(sectionPath, 'utf8')),
        seconds: marker.seconds,
        skipped: true,
        provenance: await markerProvenance(markerPath, step),
      };
    }
    // Another kind of study would overwrite this one's parts; the same kind with a model or trace more (or fewer)
    // redoes the step, and the parts it finished still hold (each names its own plan).
    const { quick, seeds, limitSeconds } = marker.plan;
    if (quick !== plan.quick || seeds !== plan.seeds || limitSeconds !== plan.limitSeconds) {
      throw new PrescaleError(
        'invalid-input',
        `--out: ${outDir} holds a study run with another plan (${quick ? '--quick' : 'full'}, ${seeds} seeds); add --force to redo it, or give another --out`,
        { field: '--out' },
      );
    }
    process.stdout.write(
      `study step ${step}: its models or traces changed since it finished; redoing it, keeping its parts that still hold\n`,
    );
  }
  // A step keeps the parts an interrupted run finished (each names its plan); --force starts it clean.
  if (force) await rm(stepDir, { recursive: true, force: true });
  await mkdir(stepDir, { recursive: true });
  // The code the step runs with (a commit made while it runs does not change its numbers).
  const git = gitState();
  const started = performance.now();
  await writeFileAtomic(sectionPath, json(await work(stepDir)), `${step} section`);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const marker: StepMarker = {
    step,
    plan,
    seconds,
    commit: git?.commit ?? null,
    dirty: git?.dirty ?? null,
    finishedAt: new Date(systemClock.nowMs()).toISOString(),
  };
  await writeFileAtomic(markerPath, json(marker), `${step} marker`);
  return {
    section: JSON.parse(await readFile(sectionPath, 'utf8')),
    seconds,
    skipped: false,
    provenance: await markerProvenance(markerPath, step),
  };
}

/** One model's accuracy on one dataset: a part of the accuracy step (`accuracy/<dataset>/<model>.accuracy.json`). */
interface AccuracyPart {
  readonly accuracy: ReturnType<typeof datasetAccuracy>;
}

/**
 * Step 1: every model of the plan on every dataset, by the shared protocol; forecasts in the scorer's CSV. The
 * full step takes hours (the neural models), so each (dataset, model) is kept as it finishes and a rerun does only
 * the rest.
 */
async function accuracyStep(plan: StudyPlan, stepDir: string) {
  const { runBacktestSuite } = await import('../experiments/backtest-suite.js');
  const { datasetsFile, datasets, models, testSeconds } = plan.accuracy;
  const bars = createProgressBars('accuracy');
  const parts = studyParts('accuracy', datasets.length * models.length);
  const section: Record<string, ReturnType<typeof datasetAccuracy>> = {};
  try {
    for (const name of datasets) {
      const loaded = await loadDataset(name, resolve(datasetsFile));
      const { dataset } = loaded;
      const testEnd =
        testSeconds === null ? dataset.test_end : Math.min(dataset.test_end, dataset.train_end + testSeconds);
      const done: AccuracyPart[] = [];
      for (const model of models) {
        const partPath = join(stepDir, name, `${model}.accuracy.json`);
        const part = await parts.finishedOrRun(partPath, plan.accuracy, `${name} ${model}`, async () => {
          const result = await runBacktestSuite({
            dataset: { ...loaded, dataset: { ...dataset, test_end: testEnd } },
            models: [model],
            outDir: join(stepDir, name),
            onProgress: (m, p) => bars.update(`${name} ${m}`, p.doneOrigins, p.totalOrigins),
          });
          return { accuracy: datasetAccuracy(result) };
        });
        done.push(part);
      }
      section[name] = {
        ...done[0].accuracy,
        models: Object.assign({}, ...done.map((part) => part.accuracy.models)),
      };
    }
  } finally {
    bars.stop();
  }
  return section;
}

const STEP_WORK: Record<StudyStep, (plan: StudyPlan, stepDir: string) => Promise<unknown>> = {
  accuracy: accuracyStep,
  experiment: experimentStep,
  forecasters: forecastersStep,
  ablations: ablationsStep,
};

/** Runs (or resumes) a study into `outDir`, then writes its tables, figures and study.json; returns study.json. */
export async function runStudy(outDir: string, quick: boolean, force: boolean) {
  const plan = await studyPlan(quick);
  const sections: Partial<Record<StudyStep, unknown>> = {};
  const stepSeconds = {} as Record<StudyStep, number>;
  const provenance = {} as Record<StudyStep, StepProvenance>;
  for (const [i, step] of STUDY_STEPS.entries()) {
    process.stdout.write(`study step ${i + 1}/${STUDY_STEPS.length} ${step}\n`);
    const done = await runStep(outDir, step, plan, force, (stepDir) => STEP_WORK[step](plan, stepDir));
    sections[step] = done.section;
    stepSeconds[step] = done.seconds;
    provenance[step] = done.provenance;
    process.stdout.write(
      done.skipped
        ? `study step ${step}: skipped, done earlier in ${done.seconds} s (--force redoes it)\n`
        : `study step ${step}: done in ${done.seconds} s\n`,
    );
  }
  const studySections = sections as unknown as StudySections;
  const { studyTables, studyFigures, tableCsv, tableMarkdown } = await import('../experiments/study-tables.js');
  const tables = studyTables(studySections);
  await mkdir(join(outDir, STUDY_FILES.tables), { recursive: true });
  for (const table of tables) {
    await writeFileAtomic(join(outDir, STUDY_FILES.tables, `${table.name}.md`), tableMarkdown(table), 'table');
    await writeFileAtomic(join(outDir, STUDY_FILES.tables, `${table.name}.csv`), tableCsv(table), 'table');
  }
  await mkdir(join(outDir, STUDY_FILES.figures), { recursive: true });
  const svgs = await studyFigures(studySections);
  const { svgsToPng } = await import('../experiments/screenshot.js');
  const pngs = await svgsToPng(svgs);
  for (const [name, svg] of Object.entries(svgs)) {
    await writeFileAtomic(join(outDir, STUDY_FILES.figures, name), svg, 'figure');
    await writeFileAtomic(join(outDir, STUDY_FILES.figures, name.replace(/\.svg$/, '.png')), pngs[name], 'figure');
  }
  const study = studyJson(plan, studySections, provenance, stepSeconds);
  await writeFileAtomic(join(outDir, STUDY_FILES.json), json(study), 'study.json');
  process.stdout.write(`\n${tables.map(tableMarkdown).join('\n')}\n`);
  return study;
}

/** `prescale study`: the whole study, resumable, from pinned data, seeds and configuration (docs/study.md). */
export const registerStudy: RegisterCommand = (program, run) => {
  program
    .command('study')
    .description(
      "reproduce the study's tables and figures: model accuracy, the experiment with 95 % CIs and paired tests, ablations; resumable (docs/study.md)",
    )
    .option('--out <dir>', 'directory for the steps, tables/, figures/ and study.json')
    .option('--quick', 'a CI-sized study: fast models, one day, two seeds, the bundled trace')
    .option('--force', 'redo every step, even those a previous run finished')
    .action(
      run(async (opts: { out?: string; quick?: boolean; force?: boolean }) => {
        if (opts.out === undefined) {
          throw new PrescaleError('invalid-input', '--out: required; give a directory, e.g. --out results/study', {
            field: '--out',
          });
        }
        const started = performance.now();
        await runStudy(opts.out, opts.quick === true, opts.force === true);
        process.stdout.write(
          `study: ${resolve(opts.out, STUDY_FILES.json)} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
        );
      }),
    );
};
