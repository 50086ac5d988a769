import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { PrescaleError, type PrescaleErrorCode } from '../core/index.js';
import { readNamedJson } from '../core/named-file.js';
import { readFittedModel, saveFittedModel, serializeModel } from '../models/persistence.js';
import { loadFittedModel } from '../models/registry.js';
import { type FitRequest, type FitResult, fitModel } from './trainer.js';

/**
 * A training batch on disk: what travels between a serving replica and the Kubernetes Job that fits for it
 * (`prescale train-job`). The replica writes `request.json` (every fit request of the batch, training series
 * included) into a folder of the shared model store; the Job writes, beside it, `<i>.model` (a model as
 * `saveFittedModel` saves it) or `<i>.error.json` for each request, atomically, and exits 0. Files, not a
 * ConfigMap: a 30-day series at 60 s steps is about 1 MB of JSON, a ConfigMap's limit, and the store is shared anyway.
 */

/** The request file's name in a batch folder. */
export const REQUEST_FILE = 'request.json';

const resultPath = (folder: string, index: number) => join(folder, `${index}.model`);
const errorPath = (folder: string, index: number) => join(folder, `${index}.error.json`);

/** What `<i>.error.json` holds: the fit's error as the replica rethrows it. */
interface SavedFitError {
  readonly message: string;
  readonly code?: PrescaleErrorCode;
  readonly field?: string;
}

/**
 * JSON keeps neither typed arrays nor non-finite numbers (a gap in a series is NaN): both are tagged on the way
 * out and restored on the way in, so a request reads back exactly as it was written.
 */
function encodeValue(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array) return { $float64: Array.from(value, encodeNumber) };
  return typeof value === 'number' ? encodeNumber(value) : value;
}

function encodeNumber(value: number): number | { $number: string } {
  return Number.isFinite(value) ? value : { $number: String(value) };
}

function decodeValue(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  if ('$number' in value) return Number((value as { $number: string }).$number);
  if ('$float64' in value) return Float64Array.from((value as { $float64: number[] }).$float64);
  return value;
}

/** A batch's request file content. */
export function encodeFitRequests(requests: readonly FitRequest[]): string {
  return `${JSON.stringify({ requests }, encodeValue)}\n`;
}

/** Reads a batch's request file; a missing or damaged one is an error naming --request (`io-error`, `malformed-file`). */
export async function readFitRequests(requestPath: string): Promise<FitRequest[]> {
  const parsed = await readNamedJson(
    requestPath,
    { field: '--request', fix: 'the replica that created the Job writes it into the shared model store' },
    decodeValue,
  );
  const requests = (parsed as { requests?: unknown }).requests;
  if (!Array.isArray(requests)) {
    throw new PrescaleError('invalid-input', `--request: ${requestPath} holds no requests list; not a training batch`, {
      field: '--request',
    });
  }
  return requests as FitRequest[];
}

/**
 * Runs every fit of a batch with the same `fitModel` the in-process and worker trainers run and writes each
 * outcome beside the request: a fit that fails (too little data, say) is an outcome too, reported to its workload,
 * since running it again would fail the same way. Only an unreadable request or an unwritable store throws.
 */
export async function runTrainingBatch(
  requestPath: string,
  signal?: AbortSignal,
): Promise<{ fitted: number; failed: number }> {
  const requests = await readFitRequests(requestPath);
  const folder = dirname(requestPath);
  let failed = 0;
  for (const [index, request] of requests.entries()) {
    let result: FitResult;
    try {
      result = await fitModel(request, signal);
    } catch (error) {
      failed++;
      const saved: SavedFitError = {
        message: (error as Error).message ?? String(error),
        ...(error instanceof PrescaleError ? { code: error.code, field: error.field } : {}),
      };
      await writeFileAtomic(errorPath(folder, index), `${JSON.stringify(saved)}\n`, 'fit error');
      continue;
    }
    await saveFittedModel(loadFittedModel(result.saved, result.artifacts), resultPath(folder, index));
  }
  return { fitted: requests.length - failed, failed };
}

/**
 * The outcome of fit `index` of a finished batch, read back by the replica: the fitted model in its portable form,
 * or the fit's error thrown again. A batch whose Job completed without writing it is an error too.
 */
export async function readFitOutcome(folder: string, index: number): Promise<FitResult> {
  const modelPath = resultPath(folder, index);
  if ((await stat(modelPath).catch(() => undefined)) !== undefined) {
    const model = await readFittedModel(modelPath);
    const portable = { saved: model.toJSON(), artifacts: model.artifacts?.() };
    return { ...portable, serialized: serializeModel(portable) };
  }
  let saved: SavedFitError;
  try {
    saved = JSON.parse(await readFile(errorPath(folder, index), 'utf8')) as SavedFitError;
  } catch {
    throw new Error(`the training Job completed but wrote no outcome for fit ${index} in ${folder}`);
  }
  throw saved.code === undefined
    ? new Error(saved.message)
    : new PrescaleError(saved.code, saved.message, { field: saved.field });
}
