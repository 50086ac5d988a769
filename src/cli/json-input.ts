import { PrescaleError } from '../core/index.js';
import { parseNamedJson, readNamedText } from '../core/named-file.js';

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
    return { text: await readNamedText(file, { field: file, fix: 'check the path' }), source: file };
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
  return parseNamedJson(text, source, { field: source, fix: 'fix the syntax' });
}
