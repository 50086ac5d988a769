import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PrescaleError } from './errors.js';
import { jsonSyntaxError } from './json-syntax.js';

/**
 * Reading a file a user named (a config field, a flag, a saved model's path), with the one error every such read
 * gives when the file cannot be read (`io-error`) or is not JSON (`malformed-file`):
 * `<field>: cannot read <path>: <what went wrong>; <fix>` and `<field>: <path> is not valid JSON: <where>; <fix>`.
 * One place, so that a missing certificate, config, trace or model reads the same to a user.
 */

/** Who names the file and what a user can do about it: the words of its errors. */
export interface FileNaming {
  /** The config field or flag that names the file (`externalMetrics.certFile`, `--config`), or else the path itself. */
  readonly field: string;
  /** What a user should do, e.g. `check the path and mount`. */
  readonly fix: string;
  /** What the file is, with its article (`the trace file`), said before the path (or instead, when the field is the path). */
  readonly what?: string;
}

/** The file as a message names it after the field; undefined when the field already is the path and says all. */
function subject(path: string, naming: FileNaming): string | undefined {
  if (path === naming.field) return naming.what;
  return naming.what === undefined ? path : `${naming.what} ${path}`;
}

/** The read errors a user can act on, in words; the code stays for searching. */
const READ_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory, not a file',
};

function unreadable(path: string, naming: FileNaming, error: unknown): PrescaleError {
  const code = (error as NodeJS.ErrnoException).code;
  const words = code === undefined ? undefined : READ_PROBLEMS[code];
  const problem = words === undefined ? (error as Error).message : `${words} (${code})`;
  return new PrescaleError(
    'io-error',
    `${naming.field}: cannot read ${subject(path, naming) ?? 'it'}: ${problem}; ${naming.fix}`,
    { field: naming.field, cause: error },
  );
}

/** The bytes of a file a user named; an `io-error` in the user's words when it cannot be read. */
export async function readNamedFile(path: string, naming: FileNaming): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw unreadable(path, naming, error);
  }
}

/** `readNamedFile` for a constructor that cannot wait. */
export function readNamedFileSync(path: string, naming: FileNaming): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw unreadable(path, naming, error);
  }
}

/** The text (UTF-8) of a file a user named. */
export async function readNamedText(path: string, naming: FileNaming): Promise<string> {
  return (await readNamedFile(path, naming)).toString('utf8');
}

/** How `JSON.parse` revives values (typed arrays, non-finite numbers). */
type JsonReviver = (this: unknown, key: string, value: unknown) => unknown;

/** The parsed JSON of a file a user named; `malformed-file` naming the line and column when it is not JSON. */
export async function readNamedJson(path: string, naming: FileNaming, reviver?: JsonReviver): Promise<unknown> {
  return parseNamedJson(await readNamedText(path, naming), path, naming, reviver);
}

/** Parses JSON read from `path` (or `stdin`) as `readNamedJson` does. */
export function parseNamedJson(text: string, path: string, naming: FileNaming, reviver?: JsonReviver): unknown {
  try {
    return JSON.parse(text, reviver);
  } catch (error) {
    throw new PrescaleError(
      'malformed-file',
      `${naming.field}: ${subject(path, naming)?.concat(' is ') ?? ''}not valid JSON: ${syntaxProblem(text, error)}; ${naming.fix}`,
      { field: naming.field, cause: error },
    );
  }
}

/** What is wrong where: `unexpected "]" at line 3, column 7`, `it ends early at line 1, column 13`. */
function syntaxProblem(text: string, error: unknown): string {
  const at = jsonSyntaxError(text);
  // Valid syntax, so the reviver threw: its own message says what.
  if (at === undefined) return (error as Error).message;
  const found = at.atEnd
    ? 'it ends early'
    : `unexpected ${JSON.stringify(String.fromCodePoint(text.codePointAt(at.offset)!))}`;
  return `${found} at line ${at.line}, column ${at.column}`;
}
