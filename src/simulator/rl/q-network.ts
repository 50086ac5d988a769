import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { readNamedFile, readNamedJson } from '../../core/named-file.js';
import { ensureWasmBackend } from '../../models/neural/train.js';

/*
 * The agent's Q-network (docs/rl.md): a small MLP from the policy's features to one value per action, and its
 * files: tfjs's own layers-model format (model.json with the topology and weights manifest, weights.bin), so
 * `tf.loadLayersModel` reads them too. What the agent was trained with rides along in model.json's `prescale` key.
 */

/** Seeded MLP: ReLU hidden layers, a linear output per action. */
export function buildQNetwork(inputs: number, hiddenUnits: readonly number[], actions: number, seed: number) {
  const model = tf.sequential();
  hiddenUnits.forEach((units, l) => {
    model.add(
      tf.layers.dense({
        ...(l === 0 ? { inputShape: [inputs] } : {}),
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + l + 1 }),
      }),
    );
  });
  model.add(tf.layers.dense({ units: actions, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 99 }) }));
  return model;
}

/** Copies `from`'s weights into `to` (the target network's update). */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): void {
  to.setWeights(from.getWeights());
}

/**
 * The greedy chooser of a network as it is now: the action with the highest Q-value. The network's dense layers
 * are read out once and evaluated here per decision: a week is 40,320 single-row decisions, and one tfjs call per
 * row costs milliseconds of dispatch for a few thousand multiply-adds.
 */
export function greedyChooser(model: tf.LayersModel): (features: Float32Array) => number {
  const layers = model.layers.map((layer) => {
    const [kernel, bias] = layer.getWeights().map((w) => w.dataSync() as Float32Array);
    const units = bias.length;
    const relu = (layer.getConfig().activation as string) === 'relu';
    return { kernel, bias, units, inputs: kernel.length / units, relu };
  });
  return (features) => {
    let x: Float32Array = features;
    for (const { kernel, bias, units, inputs, relu } of layers) {
      const y = Float32Array.from(bias);
      for (let i = 0; i < inputs; i++) {
        const xi = x[i];
        if (xi === 0) continue;
        for (let j = 0; j < units; j++) y[j] += xi * kernel[i * units + j];
      }
      if (relu) for (let j = 0; j < units; j++) y[j] = Math.max(0, y[j]);
      x = y;
    }
    let best = 0;
    for (let a = 1; a < x.length; a++) if (x[a] > x[best]) best = a;
    return best;
  };
}

/** model.json + weights.bin in `dir`, with `meta` under model.json's `prescale` key. */
export async function saveQNetwork(model: tf.LayersModel, dir: string, meta: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      await writeFileAtomic(join(dir, 'weights.bin'), weights, 'Q-network weights');
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        prescale: meta,
      };
      await writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(json)}\n`, 'Q-network');
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Reads a Q-network saved by `saveQNetwork`, with its meta; errors name the directory and the fix. */
export async function loadQNetwork(dir: string): Promise<{ model: tf.LayersModel; meta: unknown }> {
  await ensureWasmBackend();
  const checkpoint = {
    field: 'policies.rl.checkpoint',
    what: 'the RL checkpoint file',
    fix: `train one with prescale train-rl --out ${dir}`,
  };
  const json = (await readNamedJson(join(dir, 'model.json'), checkpoint)) as {
    modelTopology: tf.io.ModelArtifacts['modelTopology'];
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    prescale?: unknown;
  };
  const weights = await readNamedFile(join(dir, 'weights.bin'), checkpoint);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
      weightData,
    }),
  );
  return { model, meta: json.prescale ?? null };
}
