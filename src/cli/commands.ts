import { registerBacktest } from './backtest.js';
import { registerCollect } from './collect.js';
import { registerConfig } from './config.js';
import { registerCrd } from './crd.js';
import { registerDemo } from './demo.js';
import { registerEda } from './eda.js';
import { registerExperiment } from './experiment.js';
import { registerHpaStep } from './hpa-step.js';
import { registerPlan } from './plan.js';
import type { RegisterCommand } from './run.js';
import { registerServe } from './serve.js';
import { registerStart } from './start.js';
import { registerStudy } from './study.js';
import { registerTrain } from './train.js';
import { registerTrainJob } from './train-job.js';
import { registerTrainRl } from './train-rl.js';

/** Every CLI command, alphabetical. Adding a command is a file and one line here. */
export const commands: RegisterCommand[] = [
  registerBacktest,
  registerCollect,
  registerConfig,
  registerCrd,
  registerDemo,
  registerEda,
  registerExperiment,
  registerHpaStep,
  registerPlan,
  registerServe,
  registerStart,
  registerStudy,
  registerTrain,
  registerTrainJob,
  registerTrainRl,
];
