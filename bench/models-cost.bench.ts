// The cost of a workload, per model: CPU-seconds per workload-day (refits on the service's schedule and a forecast at
// every sync) and the memory of a served model, on a 60 s and a 300 s dev trace, and the workloads one core carries.
//   npx tsx bench/models-cost.bench.ts [--models a,b] [--datasets nasa-jul95,nab-elb-requests] [--fits 1]
//     [--copies 50] [--utilisation 0.5] [--out results/models-cost.json] [--write-docs]
// `--write-docs` writes docs/models-cost.json and the sizing table of docs/operator.md from this run.
// Each model runs in child processes (bench/models-cost-measure.ts), one at a time: CPU time is each fit's own.
import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { safeParseServiceConfig } from '../src/config/service.js';
import { readDatasetsFile } from '../src/experiments/datasets.js';
import { modelDefinition, modelNames } from '../src/models/registry.js';
import { repoRoot, sharedDatasetsPath } from '../src/testing/paths.js';
import type { CostReply, MeasureRequest, MemoryReply } from './models-cost-measure.js';
import {
  type CostReport,
  type CostSchedule,
  costTables,
  type ModelCost,
  refitsPerSelection,
  sizingTable,
  type TraceCost,
  withSizingTable,
} from './models-cost-sizing.js';

/** Every model a workload may name, cheapest first; `auto` with the service's candidates. */
/** Every registered model, `auto` last (it fits the others). */
const MODELS = [...modelNames.filter((name) => name !== 'auto'), 'auto'];
/** The dev traces: NASA HTTP at 60 s, the NAB ELB request counts at 300 s. */
const DATASETS = ['nasa-jul95', 'nab-elb-requests'];
const DOCS_REPORT_PATH = join(repoRoot, 'docs/models-cost.json');
const OPERATOR_DOC_PATH = join(repoRoot, 'docs/operator.md');

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: MODELS.join(',') },
    datasets: { type: 'string', default: DATASETS.join(',') },
    fits: { type: 'string', default: '1' },
    copies: { type: 'string', default: '50' },
    utilisation: { type: 'string', default: '0.5' },
    out: { type: 'string', default: join(repoRoot, 'results/models-cost.json') },
    'write-docs': { type: 'boolean', default: false },
  },
});
const models = args.models.split(',');
for (const model of models) modelDefinition(model, '--models');

/** The service's settings for a workload at this step: its config schema's defaults, as `prescale serve` reads them. */
function serviceSettings(stepSeconds: number) {
  const parsed = safeParseServiceConfig({
    workloads: [
      {
        metadata: { name: 'cost' },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cost' },
          metric: { query: 'load', step: `${stepSeconds}s` },
          capacity: { perPod: 1 },
        },
      },
    ],
  });
  if (!parsed.success) throw new Error(`the bench's workload does not parse: ${JSON.stringify(parsed.issues)}`);
  const { loop, workloads } = parsed.data;
  const resource = workloads[0].resource;
  const schedule: CostSchedule = {
    syncPeriodSeconds: resource.policy.syncPeriodSeconds,
    retrainEverySeconds: resource.prediction.retrainEverySeconds,
    reselectEverySeconds: resource.prediction.reselectEverySeconds,
  };
  return {
    schedule,
    candidates: loop.autoCandidates,
    contextWindowSeconds: loop.contextWindowSeconds,
    historySeconds: resource.prediction.historySeconds,
    // As the live loop computes it (`WorkloadLoop`).
    horizonSteps: Math.max(1, Math.ceil(resource.predictionHorizonSeconds / stepSeconds)),
  };
}

/** Runs one job in a fresh child process; its output goes to stderr, so stdout carries the tables only. */
function runChild<Reply>(request: MeasureRequest): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(join(import.meta.dirname, 'models-cost-measure.ts'), [], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    let settled = false;
    child.once('message', (message: { ok: boolean; reply?: Reply; error?: string }) => {
      settled = true;
      if (message.ok) resolvePromise(message.reply!);
      else reject(new Error(`${request.job} of ${request.model} on ${request.dataset}: ${message.error}`));
    });
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`${request.job} of ${request.model} on ${request.dataset}: exited with ${code}`));
    });
    child.send(request);
  });
}

async function measureTrace(datasetName: string, stepSeconds: number): Promise<TraceCost> {
  const settings = serviceSettings(stepSeconds);
  const folder = await mkdtemp(join(tmpdir(), 'prescale-models-cost-'));
  const costs: ModelCost[] = [];
  let trainPoints = 0;
  try {
    for (const model of models) {
      process.stderr.write(`${datasetName} (${stepSeconds} s): ${model}...\n`);
      const request: MeasureRequest = {
        job: 'cost',
        modelPath: join(folder, model),
        datasetsPath: sharedDatasetsPath,
        dataset: datasetName,
        stepSeconds,
        model,
        candidates: settings.candidates,
        horizonSteps: settings.horizonSteps,
        historySeconds: settings.historySeconds,
        contextWindowSeconds: settings.contextWindowSeconds,
        syncPeriodSeconds: settings.schedule.syncPeriodSeconds,
        fits: Number(args.fits),
        copies: Number(args.copies),
      };
      const cost = await runChild<CostReply>(request);
      const memory = await runChild<MemoryReply>({ ...request, job: 'memory' });
      trainPoints = cost.trainPoints;
      costs.push({
        model,
        serving: cost.serving,
        fitCpuSeconds: cost.fitCpuSeconds,
        cheapRefitCpuSeconds: cost.cheapRefitCpuSeconds,
        refitsPerFullFit:
          cost.cheapRefitKind === 'winner-refit'
            ? refitsPerSelection(settings.schedule)
            : cost.cheapRefitKind === 'warm-start'
              ? null
              : 1,
        installCpuSeconds: cost.installCpuSeconds,
        forecastCpuMilliseconds: cost.forecastCpuMilliseconds,
        memory,
      });
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  return {
    dataset: datasetName,
    stepSeconds,
    trainDays: (trainPoints * stepSeconds) / 86_400,
    trainPoints,
    horizonSteps: settings.horizonSteps,
    models: costs,
  };
}

const startLoad = loadavg()[0];
const datasets = await readDatasetsFile(sharedDatasetsPath);
const traces: TraceCost[] = [];
for (const name of args.datasets.split(',')) {
  const dataset = datasets[name];
  if (dataset === undefined) throw new Error(`--datasets: unknown dataset '${name}' in ${sharedDatasetsPath}`);
  traces.push(await measureTrace(name, dataset.step_seconds));
}
const report: CostReport = {
  measuredAt: new Date().toISOString(),
  command: `npx tsx bench/models-cost.bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
  machine:
    `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}; ` +
    `load average ${startLoad.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
  // The refit and sync schedule does not depend on the step.
  schedule: serviceSettings(60).schedule,
  utilisationTarget: Number(args.utilisation),
  traces,
};
const outPath = args['write-docs'] ? DOCS_REPORT_PATH : resolve(args.out);
await mkdir(dirname(outPath), { recursive: true });
await writeFile(outPath, `${JSON.stringify(report, null, 2)}\n`);
if (args['write-docs']) {
  await writeFile(OPERATOR_DOC_PATH, withSizingTable(await readFile(OPERATOR_DOC_PATH, 'utf8'), report));
}
console.log(`${report.command}\n${report.measuredAt}; ${report.machine}\n`);
console.log(`${costTables(report)}\n`);
console.log(`Sizing (utilisation target ${report.utilisationTarget}):\n\n${sizingTable(report)}`);
console.error(`wrote ${outPath}${args['write-docs'] ? ' and the sizing table of docs/operator.md' : ''}`);
