import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from './paths.js';

/**
 * The install in k8s/ as a cluster would receive it: each kustomization rendered by the real
 * `kubectl kustomize` (a child process), parsed into objects. Kustomizations are found on disk, so a new
 * overlay is tested without being listed anywhere.
 */

/** A Kubernetes object as parsed YAML: free-form, read field by field by the tests, checked by the schemas. */
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects of many kinds, checked by their schemas
export type KubeObject = any;

const run = promisify(execFile);

/** Kustomization directories under k8s/, relative to the repo (`k8s`, `k8s/overlays/keda`, ...), sorted. */
export interface KustomizationDirs {
  /** Installable: `kind: Kustomization`. */
  readonly kustomizations: string[];
  /** Additions to another install: `kind: Component`. */
  readonly components: string[];
}

export async function findKustomizationDirs(): Promise<KustomizationDirs> {
  const kustomizations: string[] = [];
  const components: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name === 'kustomization.yaml')) {
      const { kind } = parse(await readFile(join(dir, 'kustomization.yaml'), 'utf8'));
      (kind === 'Component' ? components : kustomizations).push(relative(repoRoot, dir));
    }
    for (const entry of entries) if (entry.isDirectory()) await walk(join(dir, entry.name));
  }
  await walk(join(repoRoot, 'k8s'));
  return { kustomizations: kustomizations.sort(), components: components.sort() };
}

/** The kustomizations use components and directories as resources: kustomize v5 (kubectl ≥ 1.27). */
let kustomizeChecked: Promise<void> | undefined;

async function checkKustomizeVersion(): Promise<void> {
  const { stdout } = await run('kubectl', ['version', '--client']);
  const version = /^Kustomize Version: (\S+)/m.exec(stdout)?.[1] ?? 'unknown';
  assert.match(
    version,
    /^v5\./,
    `kubectl's kustomize is ${version}; k8s/ needs v5 (Debian's kubernetes-client has v2.0.3): .ci/run installs one`,
  );
}

/** `kubectl kustomize DIR` (DIR absolute or relative to the repo), as objects. */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  kustomizeChecked ??= checkKustomizeVersion();
  await kustomizeChecked;
  const { stdout } = await run('kubectl', ['kustomize', dir], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((doc) => {
    assert.equal(doc.errors.length, 0, `${dir}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

/** Every kustomization rendered, keyed by its directory relative to the repo. */
export async function renderAll(): Promise<Map<string, KubeObject[]>> {
  const rendered = new Map<string, KubeObject[]>();
  for (const dir of (await findKustomizationDirs()).kustomizations) rendered.set(dir, await kustomize(dir));
  return rendered;
}

/** The one object of that kind (and name) in a rendered install; fails naming what is missing. */
export function findObject(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind} ${name ?? ''}, found ${found.length}`);
  return found[0];
}

/** The objects of that kind in a rendered install. */
export function objectsOfKind(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}
