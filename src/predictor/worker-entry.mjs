// Entry of Prescale's worker threads (`WorkerCalls`): workers do not inherit the parent's tsx hooks, so register
// them here (as bin/prescale.mjs does for the CLI), then load the TypeScript module the worker runs.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.script);
