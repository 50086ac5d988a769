// Entry of the fit worker thread: workers do not inherit the parent's tsx hooks, so register them here
// (as bin/prescale.mjs does for the CLI), then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./fit-worker.ts');
