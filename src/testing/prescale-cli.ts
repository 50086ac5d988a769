import { type ChildProcess, spawn } from 'node:child_process';
import { repoRoot } from './paths.js';

export interface PrescaleRun {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first log line (stdout) containing `fragment`, as soon as it is printed. */
  logLine(fragment: string): Promise<string>;
  readonly exited: Promise<number>;
}

/** Starts the real CLI and collects its output. */
export function prescale(args: string[], env: NodeJS.ProcessEnv = process.env): PrescaleRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, env });
  let text = '';
  let stdout = '';
  const waiting: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    stdout += chunk.toString();
    for (const check of [...waiting]) check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  // 'close', not 'exit': the output may still be arriving when the process has exited.
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? -1)));
  const logLine = (fragment: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = stdout.split('\n').find((l, i, all) => i < all.length - 1 && l.includes(fragment));
        if (line === undefined) return false;
        if (waiting.includes(check)) waiting.splice(waiting.indexOf(check), 1);
        resolve(line);
        return true;
      };
      waiting.push(check);
      if (check()) return;
      exited.then((code) => {
        if (!check()) reject(new Error(`exited (${code}) before printing ${fragment}:\n${text}`));
      });
    });
  return { child, output: () => text, logLine, exited };
}

/** The ports of the service's "prescale serving" log line, once it is written. */
export async function servingPorts(run: PrescaleRun): Promise<{ api: number; keda: number | null }> {
  return JSON.parse(await run.logLine('"prescale serving"')) as { api: number; keda: number | null };
}
