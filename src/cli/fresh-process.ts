import { fork } from 'node:child_process';
import { PrescaleError } from '../core/index.js';

/** What a fresh process runs: an exported async function of a module, with JSON arguments. */
export interface FreshProcessCall {
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
}

/** The child's answer: the function's value (as JSON), or its error's message, code and field. */
export type FreshProcessReply =
  | { readonly value: unknown; readonly error?: undefined }
  | { readonly error: { readonly message: string; readonly code?: string; readonly field?: string } };

/**
 * Runs `exportName(...args)` of `moduleUrl` in a new Node process and resolves with its value. Why: a process's
 * earlier Prophet fits change its later ones slightly (the wasmstan optimizer keeps state between fits,
 * docs/simulator.md), so work that must give the same numbers whatever ran before it — a study part, whether run
 * in one go or resumed — runs where nothing ran before it. The child shares stdout and stderr (tables, progress
 * bars); the value crosses as JSON, so NaN arrives as null, as it would from a JSON file.
 */
export function runInFreshProcess<T>(moduleUrl: URL, exportName: string, args: readonly unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const child = fork(new URL('./fresh-process-entry.mjs', import.meta.url), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: FreshProcessReply | null = null;
    child.once('message', (message: FreshProcessReply) => {
      reply = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply === null) {
        reject(
          new Error(`${exportName} in a fresh process: it exited with ${signal ?? `code ${code}`} before answering`),
        );
      } else if (reply.error === undefined) {
        resolve(reply.value as T);
      } else {
        const { message, code: errorCode, field } = reply.error;
        reject(
          errorCode === undefined
            ? new Error(message)
            : new PrescaleError(errorCode as ConstructorParameters<typeof PrescaleError>[0], message, { field }),
        );
      }
    });
    const call: FreshProcessCall = { moduleUrl: moduleUrl.href, exportName, args };
    child.send(call);
  });
}
