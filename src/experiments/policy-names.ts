import { PrescaleError } from '../core/index.js';

/*
 * The experiment's policy names alone, so the CLI can list and check them without loading the simulator and
 * the models behind it (ONNX Runtime, TensorFlow).
 */

/** Every policy an experiment can run, in report order. */
export const POLICY_NAMES = ['hpa', 'hpa-tuned', 'prescale', 'oracle', 'oracle-cost', 'static', 'rl'] as const;

/** One of `POLICY_NAMES`. */
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Checks a user's policy list; the error names the flag and the known policies. */
export function parsePolicyNames(names: readonly string[], field = '--policies'): PolicyName[] {
  if (names.length === 0) {
    throw new PrescaleError(
      'invalid-input',
      `${field}: no policy given; name at least one of ${POLICY_NAMES.join(', ')}`,
      {
        field,
      },
    );
  }
  for (const name of names) {
    if (!(POLICY_NAMES as readonly string[]).includes(name)) {
      throw new PrescaleError(
        'invalid-input',
        `${field}: unknown policy '${name}'; use one of ${POLICY_NAMES.join(', ')}`,
        {
          field,
        },
      );
    }
  }
  return [...new Set(names)] as PolicyName[];
}
