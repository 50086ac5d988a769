/** Experiments: the model backtest suite and the HPA-vs-Prescale experiment on the simulated cluster. */

/** The backtest of several models on a benchmark dataset. */
export {
  type BacktestSuiteOptions,
  type BacktestSuiteResult,
  type ModelBacktest,
  planForDataset,
  runBacktestSuite,
} from './backtest-suite.js';
/** The self-contained HTML report with server-rendered charts. */
export { renderSvg } from './chart.js';
/** The benchmark datasets and where they are. */
export {
  BUNDLED_DATASETS_PATH,
  type LoadedDataset,
  loadDataset,
  readDatasetsFile,
} from './datasets.js';
/** The experiment runner: policies × datasets × seeds on the simulated cluster. */
export {
  type DatasetExperiment,
  type ExperimentOptions,
  type ExperimentResult,
  type ExperimentRun,
  runExperiment,
} from './experiment.js';
/** A user's own trace split like a datasets-file entry (`prescale backtest --file`). */
export {
  loadTraceDataset,
  type PeriodLength,
  type StepCount,
  splitForSeries,
  stepsOf,
  type TraceSplitOptions,
} from './file-dataset.js';
/** The policies an experiment can run, without the simulator behind them. */
export { POLICY_NAMES, type PolicyName, parsePolicyNames } from './policy-names.js';
/** Versions, commit and platform recorded next to the results. */
export { collectProvenance } from './provenance.js';
export { reportHtml } from './report.js';
/** results.json, CSVs and the other output files. */
export {
  eventsCsv,
  frontierCsv,
  minutesCsv,
  OUTPUT_FILES,
  type Provenance,
  RESULTS_SCHEMA_VERSION,
  resultsJson,
  runsCsv,
  summaryCsv,
  writeResults,
} from './results.js';
/** Screenshots of a report in headless Chromium. */
export { CHROMIUM_PATH, type PageLook, screenshotReport, svgsToPng } from './screenshot.js';
/** Student's t intervals and the paired t test over seeds. */
export {
  type MeanInterval,
  meanInterval,
  type PairedTest,
  pairedTTest,
  studentTCdf,
  studentTQuantile,
} from './statistics.js';
/** `prescale study`: its plan, ablations, forecasters and the sections of study.json; its tables and figures. */
export {
  ABLATIONS,
  FORECASTER_MODELS,
  type ForecasterStudy,
  forecasterStudies,
  STUDY_POLICIES,
  STUDY_SCHEMA_VERSION,
  STUDY_STEPS,
  type StepProvenance,
  type StudyPlan,
  type StudySections,
  type StudyStep,
  stepPlan,
  studyJson,
} from './study.js';
/** The study's numbers in the documents: markers filled from study.json (`npm run docs:study`). */
export {
  DOCS_STUDY_DIR,
  fillStudyDocument,
  STUDY_DOCUMENTS,
  type StudyJson,
  studySpans,
  studyValue,
} from './study-docs.js';
export { studyFigures, studyTables, tableCsv, tableMarkdown } from './study-tables.js';
