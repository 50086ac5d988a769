import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import { PrescaleError } from '../core/index.js';
import { readNamedFile, readNamedJson } from '../core/named-file.js';
import { loadFittedModel } from './registry.js';
import type { FittedForecaster, PortableModel, SavedModel } from './types.js';

/** The JSON file of a folder model (models with `artifacts`, e.g. neural networks beside their model.onnx). */
export const META_FILE = 'meta.json';

/** meta.json: the model's own JSON plus a checksum of each file, so a mixed or damaged folder is refused. */
interface FolderMeta extends SavedModel {
  readonly files: Record<string, { readonly sha256: string; readonly bytes: number }>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * A model as `saveFittedModel` writes it: the JSON file's text, or for a model with `artifacts` the folder's
 * meta.json text and its files. Built where the model was fitted (the fit worker thread), so that the process
 * serving the model only writes bytes.
 */
export interface SerializedModel {
  readonly json: string;
  readonly files?: Readonly<Record<string, Uint8Array>>;
}

/** The bytes of a model in its portable form: JSON, and the files with their checksums in meta.json. */
export function serializeModel(model: PortableModel): SerializedModel {
  const { saved, artifacts } = model;
  if (!artifacts) return { json: `${JSON.stringify(saved)}\n` };
  const files = Object.fromEntries(
    Object.entries(artifacts).map(([name, bytes]) => [name, { sha256: sha256(bytes), bytes: bytes.length }]),
  );
  const meta: FolderMeta = { ...saved, files };
  return { json: `${JSON.stringify(meta)}\n`, files: artifacts };
}

/** Saves a fitted model (`serializeModel`, then `writeSerializedModel`). */
export async function saveFittedModel(model: FittedForecaster, path: string): Promise<void> {
  await writeSerializedModel(serializeModel({ saved: model.toJSON(), artifacts: model.artifacts?.() }), path);
}

/**
 * Writes a serialized model. A model with files becomes the folder `path` (meta.json + its files), written into
 * a temporary folder and renamed into place, so a reader sees the old folder or the new one, never a mix; any
 * other model becomes one JSON file, atomically.
 */
export async function writeSerializedModel(model: SerializedModel, path: string): Promise<void> {
  if (!model.files) {
    await writeFileAtomic(path, model.json, 'model file');
    return;
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const old = `${temp}.old`;
  try {
    await mkdir(temp, { recursive: true });
    for (const [name, bytes] of Object.entries(model.files)) await writeFileAtomic(join(temp, name), bytes, name);
    await writeFileAtomic(join(temp, META_FILE), model.json, META_FILE);
    const existing = await stat(path).catch(() => undefined);
    if (existing) await rename(path, old);
    await rename(temp, path);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    if (error instanceof PrescaleError) throw error;
    throw new PrescaleError(
      'io-error',
      `${path}: cannot write the model folder (${(error as Error).message}); check the parent directory exists and is writable`,
      { field: path, cause: error },
    );
  }
}

/**
 * Loads a model saved by `saveFittedModel`: a JSON file, or a model folder (meta.json + files, each checked
 * against its recorded SHA-256). A corrupt or foreign file is refused with the field named.
 */
export async function readFittedModel(path: string): Promise<FittedForecaster> {
  const isFolder = (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
  const jsonPath = isFolder ? join(path, META_FILE) : path;
  const saved = (await readNamedJson(jsonPath, {
    field: jsonPath,
    what: 'the model file',
    fix: 'save the model again',
  })) as SavedModel;
  let artifacts: Record<string, Uint8Array> | undefined;
  if (isFolder) artifacts = await readArtifacts(path, saved as FolderMeta);
  try {
    return loadFittedModel(saved, artifacts);
  } catch (error) {
    if (error instanceof PrescaleError) {
      throw new PrescaleError(error.code, `${isFolder ? `${path}/` : `${path}: `}${error.message}`, {
        field: error.field,
        cause: error,
      });
    }
    throw error;
  }
}

async function readArtifacts(folder: string, meta: FolderMeta): Promise<Record<string, Uint8Array>> {
  if (meta?.files === null || typeof meta?.files !== 'object') {
    throw new PrescaleError(
      'model-mismatch',
      `${join(folder, META_FILE)}: files: missing; the folder was not written by Prescale, save the model again`,
      {
        field: 'files',
      },
    );
  }
  const artifacts: Record<string, Uint8Array> = {};
  for (const [name, { sha256: want }] of Object.entries(meta.files)) {
    const filePath = join(folder, basename(name));
    const bytes = new Uint8Array(
      await readNamedFile(filePath, { field: filePath, fix: 'the model folder is incomplete, save the model again' }),
    );
    if (sha256(bytes) !== want) {
      throw new PrescaleError(
        'model-mismatch',
        `${filePath}: its SHA-256 differs from files.${name}.sha256 in ${META_FILE}; the file is damaged or from another model, save the model again`,
        { field: filePath },
      );
    }
    artifacts[name] = bytes;
  }
  return artifacts;
}
