import { readFile } from 'node:fs/promises';
import { PrescaleError } from '../core/index.js';

/**
 * Reads a JSON document from the named file, or from stdin when the file is absent or "-" (the
 * `kubectl -f -` habit), and parses it. Errors name the source: the path, or `stdin`.
 */
export async function readJsonInput(
  file: string | undefined,
  what: string,
): Promise<{ json: unknown; source: string }> {
  const { text, source } = await readInputText(file, what);
  return { json: parseJsonText(text, source), source };
}

/** Reads the raw text of the input (file or stdin), naming its source. */
export async function readInputText(file: string | undefined, what: string): Promise<{ text: string; source: string }> {
  if (file !== undefined && file !== '-') {
    try {
      return { text: await readFile(file, 'utf8'), source: file };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new PrescaleError('io-error', `${file}: cannot read it (${code}); check the path`, {
        field: file,
        cause: error,
      });
    }
  }
  if (process.stdin.isTTY) {
    throw new PrescaleError('invalid-input', `stdin: no input; pipe ${what} in or give a file`, { field: 'stdin' });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return { text: Buffer.concat(chunks).toString('utf8'), source: 'stdin' };
}

/** Parses JSON text, naming the source and the position when it is not JSON. */
export function parseJsonText(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PrescaleError(
      'malformed-file',
      `${source}: not valid JSON (${(error as Error).message}); fix the syntax`,
      {
        field: source,
        cause: error,
      },
    );
  }
}
