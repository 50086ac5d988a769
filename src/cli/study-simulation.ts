import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import {
  ABLATIONS,
  experimentSection,
  STUDY_POLICIES,
  type StudyPlan,
  type StudyStep,
  variantSection,
} from '../experiments/study.js';
import { type ExperimentInvocation, runExperimentInvocation } from './experiment.js';
import { runInFreshProcess } from './fresh-process.js';
import { studyParts } from './study-parts.js';

/*
 * The study's simulation steps (experiment, forecasters, ablations), one part per (trace, run): each part is one
 * `prescale experiment` invocation on one trace, run in a fresh process and kept as it finishes, so an interrupted
 * step resumes with the traces and variants it finished, and its numbers are those of the command it records run
 * alone, whatever ran before it.
 */

/** A trace of the plan's experiment, with the datasets file it comes from. */
interface StudyTrace {
  readonly datasetsFile: string;
  readonly dataset: string;
}

function studyTraces(plan: StudyPlan): StudyTrace[] {
  return plan.experiment.flatMap(({ datasetsFile, datasets }) =>
    datasets.map((dataset) => ({ datasetsFile, dataset })),
  );
}

/** The flags of an experiment the study runs, as `prescale experiment` takes them (recorded as its command). */
function experimentFlags(plan: StudyPlan, { datasetsFile, dataset }: StudyTrace): string {
  const hours = plan.limitSeconds === null ? '' : ` --hours ${plan.limitSeconds / 3600}`;
  return `--dataset ${dataset} --datasets ${datasetsFile} --seeds ${plan.seeds}${hours}`;
}

/** The file a part keeps in its run's directory (beside results.json and the rest). */
const PART_FILE = 'part.json';

/** The experiment invocation of a part, its fields as the part's plan records them. */
function traceInvocation(
  plan: StudyPlan,
  trace: StudyTrace,
  outDir: string,
  fields: Pick<ExperimentInvocation, 'policies' | 'userConfig' | 'configSource' | 'command' | 'sweep'>,
): ExperimentInvocation {
  return {
    datasets: [trace.dataset],
    datasetsPath: resolve(trace.datasetsFile),
    seeds: plan.seeds,
    outDir,
    limitSeconds: plan.limitSeconds ?? undefined,
    ...fields,
  };
}

/** What a part's outputs depend on: a part recorded under the same plan is kept. */
function partPlan(plan: StudyPlan, trace: StudyTrace, run: unknown) {
  return { ...trace, seeds: plan.seeds, limitSeconds: plan.limitSeconds, run };
}

/** Runs a part's invocation in a fresh process into a clean directory (a redone part leaves nothing stale). */
async function freshRun<T>(exportName: 'experimentPart' | 'variantPart', args: readonly unknown[], outDir: string) {
  await rm(outDir, { recursive: true, force: true });
  return runInFreshProcess<T>(new URL(import.meta.url), exportName, args);
}

/** A part of the experiment step (in its fresh process): the invocation's section of study.json. */
export async function experimentPart(invocation: ExperimentInvocation) {
  return experimentSection((await runExperimentInvocation(invocation)).result);
}

/** A part of a variants step (in its fresh process): the variant's Prescale over seeds, per dataset. */
export async function variantPart(name: string, invocation: ExperimentInvocation) {
  return variantSection([{ name, result: (await runExperimentInvocation(invocation)).result }]);
}

/** Step 2: every policy over the seeds, with the HPA's sweep for the equal-cost reading; a part per trace. */
export async function experimentStep(plan: StudyPlan, stepDir: string) {
  const traces = studyTraces(plan);
  const parts = studyParts('experiment', traces.length);
  let section: ReturnType<typeof experimentSection> = {};
  for (const trace of traces) {
    const outDir = join(stepDir, trace.dataset);
    const invocation = traceInvocation(plan, trace, outDir, {
      policies: STUDY_POLICIES,
      userConfig: {},
      configSource: 'config',
      command: `prescale experiment ${experimentFlags(plan, trace)} --policies ${STUDY_POLICIES.join(',')} --sweep --out ${outDir}`,
      sweep: true,
    });
    const runPlan = { policies: STUDY_POLICIES, sweep: true };
    const part = await parts.finishedOrRun(
      join(outDir, PART_FILE),
      partPlan(plan, trace, runPlan),
      trace.dataset,
      async () => ({
        section: await freshRun<ReturnType<typeof experimentSection>>('experimentPart', [invocation], outDir),
      }),
    );
    section = { ...section, ...part.section };
  }
  return section;
}

/** A run of Prescale with a config laid over the defaults: an ablation, or another forecaster. */
interface PrescaleVariant<Name extends string> {
  readonly name: Name;
  readonly what: string;
  readonly override: unknown;
}

/** Each variant over the plan's traces and seeds, through `--config` (its file kept as `<name>.config.json`). */
async function prescaleVariantsStep<Name extends string>(
  step: StudyStep,
  plan: StudyPlan,
  stepDir: string,
  variants: readonly PrescaleVariant<Name>[],
) {
  const traces = studyTraces(plan);
  const parts = studyParts(step, variants.length * traces.length);
  const section: ReturnType<typeof variantSection<Name>> = {};
  for (const variant of variants) {
    const configPath = join(stepDir, `${variant.name}.config.json`);
    await writeFileAtomic(configPath, `${JSON.stringify(variant.override, null, 2)}\n`, `${variant.name} config`);
    process.stdout.write(`${step} ${variant.name}: ${variant.what}\n`);
    for (const trace of traces) {
      const outDir = join(stepDir, trace.dataset, variant.name);
      const invocation = traceInvocation(plan, trace, outDir, {
        policies: ['prescale'],
        userConfig: variant.override,
        configSource: configPath,
        command: `prescale experiment ${experimentFlags(plan, trace)} --policies prescale --config ${configPath} --out ${outDir}`,
      });
      const runPlan = { policies: ['prescale'], config: variant.override };
      const label = `${trace.dataset} ${variant.name}`;
      const part = await parts.finishedOrRun(
        join(outDir, PART_FILE),
        partPlan(plan, trace, runPlan),
        label,
        async () => ({
          section: await freshRun<ReturnType<typeof variantSection<Name>>>(
            'variantPart',
            [variant.name, invocation],
            outDir,
          ),
        }),
      );
      for (const [dataset, figures] of Object.entries(part.section)) {
        section[dataset] = { ...section[dataset], ...figures };
      }
    }
  }
  return section;
}

/** Step 3: Prescale with each model of the plan as its forecaster. */
export function forecastersStep(plan: StudyPlan, stepDir: string) {
  const variants = plan.forecasters.models.map((model) => ({
    name: model,
    what: `Prescale forecasting with ${model}`,
    override: { workload: { spec: { model } } },
  }));
  return prescaleVariantsStep('forecasters', plan, stepDir, variants);
}

/** Step 4: Prescale with one part taken away. */
export function ablationsStep(plan: StudyPlan, stepDir: string) {
  return prescaleVariantsStep('ablations', plan, stepDir, ABLATIONS);
}
