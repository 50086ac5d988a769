// The arithmetic of bench/models-cost.bench.ts, pure: what one workload costs a day under the service's schedule,
// how many workloads one core carries, and the two Markdown tables (the bench's figures and the operator's sizing
// table, which docs/operator.md carries verbatim: `src/models-cost-sizing.test.ts` checks it against the JSON).

const DAY_SECONDS = 86_400;

/** The service's settings the cost depends on, read from its config schema's defaults. */
export interface CostSchedule {
  /** `planner.syncPeriod`: one forecast per workload per sync. */
  readonly syncPeriodSeconds: number;
  /** `prediction.retrainEvery`: one refit per workload per this. */
  readonly retrainEverySeconds: number;
  /** `prediction.reselectEvery`: `auto`'s full selection this often; its other refits fit the winner alone. */
  readonly reselectEverySeconds: number;
}

/** What one model measured on one trace (CPU is user + system time of the process that did the work). */
export interface ModelCost {
  readonly model: string;
  /** `auto`: the candidate its selection chose (it serves); else the model itself. */
  readonly serving: string;
  /** A full fit (for `auto`, a selection: every candidate backtested, the winner refitted), as the trainer runs it. */
  readonly fitCpuSeconds: number;
  /**
   * A cheaper scheduled refit between full fits (`auto`: the winner alone; a neural model: a warm start from the
   * serving network); null when every refit is a full fit.
   */
  readonly cheapRefitCpuSeconds: number | null;
  /**
   * One scheduled refit in this many is a full fit (`auto`: reselectEvery / retrainEvery); 1 without cheap refits;
   * null when, once serving, every refit is the cheap one (warm starts: a cold fit only for a new workload).
   */
  readonly refitsPerFullFit: number | null;
  /** Loading the fitted model and its check forecast from the training data, as the model holder does at each refit. */
  readonly installCpuSeconds: number;
  /** One forecast of a sync, from the recent window (`loop.contextWindow`), averaged over a served day. */
  readonly forecastCpuMilliseconds: number;
  /** Per served copy: JS heap and resident set (heap, native buffers, ONNX Runtime sessions), and the saved size. */
  readonly memory: { readonly heapBytes: number; readonly rssBytes: number; readonly savedBytes: number };
}

/** One trace at one step, with every model measured on it. */
export interface TraceCost {
  readonly dataset: string;
  readonly stepSeconds: number;
  /** The training window fitted (the service's `prediction.history`, clipped to what the trace holds). */
  readonly trainDays: number;
  readonly trainPoints: number;
  readonly horizonSteps: number;
  readonly models: readonly ModelCost[];
}

/** The bench's JSON file. */
export interface CostReport {
  readonly measuredAt: string;
  readonly command: string;
  readonly machine: string;
  readonly schedule: CostSchedule;
  /** The share of a core training and forecasting may use; the rest is headroom for the doors and bursts. */
  readonly utilisationTarget: number;
  readonly traces: readonly TraceCost[];
}

/** The CPU of the average scheduled refit: a full fit one time in `refitsPerFullFit`, the cheap refit the others. */
export function cpuSecondsPerRefit(cost: ModelCost): number {
  const cheap = cost.cheapRefitCpuSeconds ?? cost.fitCpuSeconds;
  const { refitsPerFullFit: every, fitCpuSeconds: full } = cost;
  return (every === null ? cheap : (full + (every - 1) * cheap) / every) + cost.installCpuSeconds;
}

/** The CPU one workload costs a day: its refits plus a forecast at every sync. */
export function cpuSecondsPerWorkloadDay(cost: ModelCost, schedule: CostSchedule): number {
  const refitsPerDay = DAY_SECONDS / schedule.retrainEverySeconds;
  const forecastsPerDay = DAY_SECONDS / schedule.syncPeriodSeconds;
  return refitsPerDay * cpuSecondsPerRefit(cost) + (forecastsPerDay * cost.forecastCpuMilliseconds) / 1000;
}

/** Workloads one core carries at `utilisationTarget` of its day (whole workloads, rounded down). */
export function workloadsPerCore(cpuSecondsPerDay: number, utilisationTarget: number): number {
  // The tolerance absorbs binary rounding (43,200 / 86.4 is 499.999…), not measurement error.
  return Math.floor((DAY_SECONDS * utilisationTarget) / cpuSecondsPerDay + 1e-9);
}

/** Refits between two `auto` selections (7 with the defaults: one selection and six winner refits a week). */
export function refitsPerSelection(schedule: CostSchedule): number {
  return Math.max(1, Math.round(schedule.reselectEverySeconds / schedule.retrainEverySeconds));
}

const mebibytes = (bytes: number) => (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1);

/** Three significant digits, so that 0.012 and 184 both read well. */
function seconds(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** The name a table gives a model: `auto` with the candidate it chose. */
function modelLabel(cost: ModelCost): string {
  return cost.model === cost.serving ? cost.model : `${cost.model} (chose ${cost.serving})`;
}

/** The bench's figures, one table per trace. */
export function costTables(report: CostReport): string {
  return report.traces
    .map((trace) => {
      const header =
        `${trace.dataset}, ${trace.stepSeconds} s step: ${trace.trainPoints} points fitted ` +
        `(${trace.trainDays.toFixed(2)} days), H = ${trace.horizonSteps}\n\n` +
        '| model | fit, CPU s | cheap refit, CPU s | install, CPU s | forecast, CPU ms | CPU s per workload-day | ' +
        'workloads per core | heap per copy, MiB | RSS per copy, MiB | saved, MiB |\n' +
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
      const rows = trace.models.map((cost) => {
        const perDay = cpuSecondsPerWorkloadDay(cost, report.schedule);
        return [
          modelLabel(cost),
          seconds(cost.fitCpuSeconds),
          cost.cheapRefitCpuSeconds === null ? '–' : seconds(cost.cheapRefitCpuSeconds),
          seconds(cost.installCpuSeconds),
          cost.forecastCpuMilliseconds.toPrecision(3),
          seconds(perDay),
          workloadsPerCore(perDay, report.utilisationTarget).toLocaleString('en-US'),
          mebibytes(cost.memory.heapBytes),
          mebibytes(cost.memory.rssBytes),
          mebibytes(cost.memory.savedBytes),
        ];
      });
      return [header, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
    })
    .join('\n\n');
}

/** The operator's sizing table: per model, workloads per core at each step measured, and the memory it serves in. */
export function sizingTable(report: CostReport): string {
  const steps = report.traces.map((trace) => `${trace.stepSeconds} s (${trace.dataset})`);
  const header =
    `| model | ${steps.map((s) => `CPU s per workload-day, ${s}`).join(' | ')} | ` +
    `${steps.map((s) => `workloads per core, ${s}`).join(' | ')} | memory per workload (RSS), MiB |\n` +
    `|---|${steps.map(() => '---:|').join('')}${steps.map(() => '---:|').join('')}---:|`;
  const models = report.traces[0]?.models.map((cost) => cost.model) ?? [];
  const rows = models.map((model) => {
    const costs = report.traces.map((trace) => trace.models.find((cost) => cost.model === model));
    const perDay = costs.map((cost) => (cost ? cpuSecondsPerWorkloadDay(cost, report.schedule) : null));
    const rss = Math.max(...costs.map((cost) => cost?.memory.rssBytes ?? 0));
    return [
      model,
      ...perDay.map((value) => (value === null ? '–' : seconds(value))),
      ...perDay.map((value) =>
        value === null ? '–' : workloadsPerCore(value, report.utilisationTarget).toLocaleString('en-US'),
      ),
      mebibytes(rss),
    ];
  });
  return [header, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
}

/** The markers around the sizing table in docs/operator.md, which `--write-docs` rewrites. */
export const SIZING_BEGIN = '<!-- sizing table: generated by bench/models-cost.bench.ts --write-docs -->';
export const SIZING_END = '<!-- end of the generated sizing table -->';

/** A document with its generated block replaced by this report's sizing table. */
export function withSizingTable(document: string, report: CostReport): string {
  const begin = document.indexOf(SIZING_BEGIN);
  const end = document.indexOf(SIZING_END);
  if (begin < 0 || end < begin) throw new Error(`no "${SIZING_BEGIN}" … "${SIZING_END}" block to replace`);
  return `${document.slice(0, begin + SIZING_BEGIN.length)}\n${sizingTable(report)}\n${document.slice(end)}`;
}
