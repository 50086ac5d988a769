import type { ModelName, PortableModel } from '../types.js';
import type { NetworkWeights } from './network.js';
import { weightsFromOnnx } from './onnx-export.js';
import { type NetworkStartRecord, openSavedNeural } from './saved-format.js';
import type { NeuralSettings } from './settings.js';

/**
 * How a neural fit starts: from the previous fit's network (a warm start), or from the seeded initialisation, with
 * the reason a warm start was not possible. The scaling is refitted either way (see `docs/neural.md`, warm-start
 * refits): it is a statistic of the training range, which a daily refit moves by a day, and a warm chain that kept
 * the first fit's scaling would carry it for the life of the workload while the load's level drifts away from it.
 */
export type NetworkStart =
  | {
      readonly kind: 'warm';
      readonly weights: NetworkWeights;
      /** The end of the previous fit's training data. */
      readonly fromTrainEndSeconds: number;
    }
  | { readonly kind: 'cold'; readonly reason: string };

/** The record of a start, without the weights. */
export function startRecord(start: NetworkStart): NetworkStartRecord {
  return start.kind === 'warm' ? { kind: 'warm', fromTrainEndSeconds: start.fromTrainEndSeconds } : start;
}

/**
 * Settings that say only how a warm refit trains, not what the previous network is: a change of them (or a previous
 * model saved before they existed) continues the warm chain instead of discarding it.
 */
const WARM_PHASE_SETTINGS: ReadonlySet<string> = new Set([
  'warmStartEpochs',
  'warmStartLearningRate',
] satisfies (keyof NeuralSettings)[]);

/**
 * Whether a fit of `name` with `settings` on a `stepSeconds` grid can continue from `previous`: the same model, step
 * and settings (so the same network shape, features and training setup; the warm phase's own settings aside), and a
 * readable saved network. Anything else starts cold, and the reason says what differed.
 */
export function resolveNetworkStart(
  name: ModelName,
  settings: NeuralSettings,
  stepSeconds: number,
  previous: PortableModel | undefined,
): NetworkStart {
  if (previous === undefined) return { kind: 'cold', reason: 'no previous model' };
  const { metadata } = previous.saved;
  if (metadata.model !== name) {
    return { kind: 'cold', reason: `the previous model is ${metadata.model}, not ${name}` };
  }
  if (metadata.stepSeconds !== stepSeconds) {
    return { kind: 'cold', reason: `the step changed from ${metadata.stepSeconds} s to ${stepSeconds} s` };
  }
  const changed = settingChanges(metadata.settings, settings);
  if (changed.length > 0) return { kind: 'cold', reason: `settings changed: ${changed.join(', ')}` };
  try {
    const { parameters, onnx } = openSavedNeural(name, previous.saved, previous.artifacts);
    return {
      kind: 'warm',
      weights: weightsFromOnnx(onnx, parameters.network),
      fromTrainEndSeconds: metadata.trainEndSeconds,
    };
  } catch (error) {
    return { kind: 'cold', reason: `the previous model is unusable (${(error as Error).message})` };
  }
}

/** `key previous → now` for every setting but the warm phase's whose value differs (as JSON, as meta.json stores them). */
function settingChanges(previous: Record<string, unknown>, settings: NeuralSettings): string[] {
  const keys = [...new Set([...Object.keys(previous), ...Object.keys(settings)])]
    .filter((key) => !WARM_PHASE_SETTINGS.has(key))
    .sort();
  const text = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));
  return keys.flatMap((key) => {
    const before = text(previous[key]);
    const now = text((settings as unknown as Record<string, unknown>)[key]);
    return before === now ? [] : [`${key} ${before} → ${now}`];
  });
}
