import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The model runtimes a light command must not load: ONNX Runtime and TensorFlow.js. */
export const MODEL_RUNTIMES = /onnxruntime|@tensorflow/;

/** A finished child process and the module files and native libraries it had loaded when it exited. */
export interface ProbedRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly loaded: readonly string[];
}

/**
 * Runs `node --import tsx <args>` from the repo root in a fresh process and lists what it loaded
 * (`loaded-modules-probe.ts`). `args` is a script and its arguments, e.g. `['src/cli/main.ts', '--help']`.
 */
export async function runListingLoadedModules(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<ProbedRun> {
  const dir = await mkdtemp(join(tmpdir(), 'prescale-probe-'));
  const listFile = join(dir, 'loaded.json');
  try {
    const run = await new Promise<Omit<ProbedRun, 'loaded'>>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--import', join(repoRoot, 'src/testing/loaded-modules-probe.ts'), ...args],
        {
          cwd: repoRoot,
          env: { ...process.env, ...env, PRESCALE_LOADED_MODULES_FILE: listFile },
          maxBuffer: 64 * 1024 * 1024,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    return { ...run, loaded: JSON.parse(await readFile(listFile, 'utf8')) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a fresh process has loaded after running `code` (an ES module body); throws when `code` fails. */
export async function loadedModules(code: string, env: Readonly<Record<string, string>> = {}): Promise<string[]> {
  const run = await runListingLoadedModules(['--input-type=module', '--eval', code], env);
  if (run.code !== 0) throw new Error(`the probe exited ${run.code}\n${run.stderr}`);
  return [...run.loaded];
}
