import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkloadConfig } from '../config/workload.js';
import { modelIdentity } from './model-identity.js';

/**
 * Where a workload's trained model is saved: `<namespace>_<name>_<identity>.model`, the identity a hash of the
 * settings the model depends on. A replica that restarts after the spec's model settings changed (another replica
 * applied the change meanwhile) then finds no file for the new settings and trains, instead of serving the old
 * model until its next refit. Namespaces and names never contain `_`, so the prefix belongs to one workload.
 */
export function savedModelPath(modelsDir: string, workload: WorkloadConfig): string {
  const identity = createHash('sha256').update(modelIdentity(workload)).digest('hex').slice(0, 12);
  return join(modelsDir, `${filePrefix(workload)}${identity}.model`);
}

/** Deletes the workload's saved models, all but `keep` (a path from `savedModelPath`) if given. */
export async function deleteSavedModels(modelsDir: string, workload: WorkloadConfig, keep?: string): Promise<void> {
  const prefix = filePrefix(workload);
  const names = await readdir(modelsDir).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(modelsDir, name);
    if (name.startsWith(prefix) && /^[0-9a-f]{12}\.model$/.test(name.slice(prefix.length)) && path !== keep) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

/**
 * Deletes saved models of workloads not in `keepKeys` (`namespace/name`): those deleted while this replica was not
 * running, whose files nothing else would remove. Returns the keys whose models were deleted.
 */
export async function pruneSavedModels(modelsDir: string, keepKeys: ReadonlySet<string>): Promise<string[]> {
  const pruned = new Set<string>();
  const names = await readdir(modelsDir).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^([a-z0-9-]+)_([a-z0-9.-]+)_[0-9a-f]{12}\.model$/.exec(name);
    if (match === null) continue;
    const key = `${match[1]}/${match[2]}`;
    if (keepKeys.has(key)) continue;
    await rm(join(modelsDir, name), { recursive: true, force: true });
    pruned.add(key);
  }
  return [...pruned].sort();
}

function filePrefix(workload: WorkloadConfig): string {
  return `${workload.resource.namespace}_${workload.resource.name}_`;
}
