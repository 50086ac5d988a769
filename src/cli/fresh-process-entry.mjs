// Entry of a fresh process for `runInFreshProcess`: a forked child does not inherit tsx's hooks unless the parent
// was started with them, so register them here (as bin/prescale.mjs does), then serve the one call it was sent.
import { register } from 'tsx/esm/api';

register();
await import('./fresh-process-child.ts');
