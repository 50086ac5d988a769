// Functions `src/cli/fresh-process.test.ts` runs in fresh processes: one with process state, one that fails.
import { PrescaleError } from '../core/index.js';

/** Module state, as the wasmstan optimizer keeps between Prophet fits: each call in one process sees the last. */
let calls = 0;

/** How many times this process has called it, with its argument echoed (NaN crosses as null). */
export async function countCalls(echo: unknown) {
  calls++;
  return { calls, echo, notANumber: Number.NaN };
}

/** Fails as a study part can: a PrescaleError naming its field. */
export async function failWithField(field: string) {
  throw new PrescaleError('invalid-input', `${field}: not valid here; give another`, { field });
}

/** Dies without answering, as a process killed mid-part does. */
export async function exitWithoutAnswer() {
  process.exit(3);
}
