import { PrescaleError } from '../core/index.js';

/** Shape of the supervised-learning windows cut from a series. */
export interface WindowOptions {
  /** Buckets the model sees (the lookback). */
  readonly inputSteps: number;
  /** Buckets the model predicts after the input. */
  readonly horizonSteps: number;
  /** Buckets between the origins of consecutive windows; default 1. */
  readonly stride?: number;
}

/** Windows flattened row-major for tensor libraries: window w's input is inputs[w*inputSteps … (w+1)*inputSteps). */
export interface SlidingWindows {
  readonly inputs: Float32Array;
  readonly targets: Float32Array;
  readonly count: number;
  /** Index (in the source values) of each window's first target bucket, i.e. its forecast origin. */
  readonly originIndex: Int32Array;
}

/**
 * Cuts (input, target) training pairs from a regular series. Origins are spaced by `stride` and aligned to the
 * end, so the most recent complete window is always included: origins are n − horizon, n − horizon − stride, …
 * down to inputSteps, returned oldest first. **A window containing any NaN (input or target) is skipped**
 * rather than filled: fill gaps first (`fillGaps`) if those windows are wanted.
 */
export function slidingWindows(values: ArrayLike<number>, options: WindowOptions): SlidingWindows {
  const { inputSteps, horizonSteps } = options;
  const stride = options.stride ?? 1;
  requirePositiveInteger(inputSteps, 'inputSteps', 48);
  requirePositiveInteger(horizonSteps, 'horizonSteps', 30);
  requirePositiveInteger(stride, 'stride', 1);
  const n = values.length;
  const span = inputSteps + horizonSteps;
  // nanBefore[i] = NaN count in values[0..i), so a window's NaN test is O(1)
  const nanBefore = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) nanBefore[i + 1] = nanBefore[i] + (Number.isNaN(values[i]) ? 1 : 0);
  const origins: number[] = [];
  for (let origin = n - horizonSteps; origin >= inputSteps; origin -= stride) {
    if (nanBefore[origin + horizonSteps] === nanBefore[origin - inputSteps]) origins.push(origin);
  }
  origins.reverse();
  const count = origins.length;
  const inputs = new Float32Array(count * inputSteps);
  const targets = new Float32Array(count * horizonSteps);
  for (let w = 0; w < count; w++) {
    const start = origins[w] - inputSteps;
    for (let k = 0; k < span; k++) {
      if (k < inputSteps) inputs[w * inputSteps + k] = values[start + k];
      else targets[w * horizonSteps + k - inputSteps] = values[start + k];
    }
  }
  return { inputs, targets, count, originIndex: Int32Array.from(origins) };
}

function requirePositiveInteger(value: number, field: string, example: number): void {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new PrescaleError('invalid-input', `${field}: ${value} is not a whole number ≥ 1; pass e.g. ${example}`, {
      field,
    });
  }
}
