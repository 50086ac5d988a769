import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing/temp-dir.js';
import { PrescaleError } from './errors.js';
import {
  type FileNaming,
  parseNamedJson,
  readNamedFile,
  readNamedFileSync,
  readNamedJson,
  readNamedText,
} from './named-file.js';

const certFile: FileNaming = { field: 'keda.tls.certFile', fix: 'check the path and mount' };

/** The error a call threw, checked to be a PrescaleError. */
async function errorOf(call: () => unknown): Promise<PrescaleError> {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof PrescaleError, String(error));
    return error;
  }
  assert.fail('no error thrown');
}

test('reads a file as bytes, text and JSON, sync or not', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'a.json');
  await writeFile(path, '{"x": [1, "é"]}\n');
  assert.deepEqual(await readNamedFile(path, certFile), Buffer.from('{"x": [1, "é"]}\n'));
  assert.deepEqual(readNamedFileSync(path, certFile), Buffer.from('{"x": [1, "é"]}\n'));
  assert.equal(await readNamedText(path, certFile), '{"x": [1, "é"]}\n');
  assert.deepEqual(await readNamedJson(path, certFile), { x: [1, 'é'] });
  const doubled = await readNamedJson(path, certFile, (_key, value) => (typeof value === 'number' ? value * 2 : value));
  assert.deepEqual(doubled, { x: [2, 'é'] });
});

test('a missing file, a directory, a file as a directory: io-error naming field, path, what went wrong and the fix', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'plain'), 'x');
  const rows = [
    { name: 'missing', path: join(dir, 'missing.crt'), problem: 'no such file (ENOENT)' },
    { name: 'a directory', path: dir, problem: 'it is a directory, not a file (EISDIR)' },
    {
      name: 'under a file',
      path: join(dir, 'plain', 'x.crt'),
      problem: 'a part of the path is not a directory (ENOTDIR)',
    },
  ];
  for (const row of rows) {
    const want = `keda.tls.certFile: cannot read ${row.path}: ${row.problem}; check the path and mount`;
    for (const read of [readNamedFile, readNamedFileSync, readNamedText, readNamedJson]) {
      const error = await errorOf(() => read(row.path, certFile));
      assert.deepEqual([error.code, error.field, error.message], ['io-error', 'keda.tls.certFile', want], row.name);
      assert.equal((error.cause as NodeJS.ErrnoException).syscall !== undefined, true, 'the system error is the cause');
    }
  }
});

test('what the file is goes before the path, or replaces it when the field is the path', async (t) => {
  const path = join(await tempDir(t), 'model.json');
  const named = await errorOf(() => readNamedFile(path, { field: '--model', what: 'the model file', fix: 'save it' }));
  assert.equal(named.message, `--model: cannot read the model file ${path}: no such file (ENOENT); save it`);
  const byPath = await errorOf(() => readNamedFile(path, { field: path, what: 'the model file', fix: 'save it' }));
  assert.equal(byPath.message, `${path}: cannot read the model file: no such file (ENOENT); save it`);
  assert.equal(byPath.field, path);
  const bare = await errorOf(() => readNamedFile(path, { field: path, fix: 'check the path' }));
  assert.equal(bare.message, `${path}: cannot read it: no such file (ENOENT); check the path`);
});

test('a file it may not read: io-error saying permission denied (as an unprivileged user when the tests run as root)', async (t) => {
  const dir = await tempDir(t);
  await chmod(dir, 0o755);
  const path = join(dir, 'key.pem');
  await writeFile(path, 'secret');
  await chmod(path, 0o000);
  // Root reads any file, so the read runs in a child process as `nobody` there; as another user, as that user.
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const helper = fileURLToPath(new URL('./named-file.ts', import.meta.url));
  const script = `import { readNamedFile } from ${JSON.stringify(helper)};
    readNamedFile(${JSON.stringify(path)}, ${JSON.stringify(certFile)}).then(
      () => console.log('{}'),
      (error) => console.log(JSON.stringify({ code: error.code, field: error.field, message: error.message })),
    );`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    ...asNobody,
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), {
    code: 'io-error',
    field: 'keda.tls.certFile',
    message: `keda.tls.certFile: cannot read ${path}: permission denied (EACCES); check the path and mount`,
  });
});

test('JSON that does not parse: malformed-file naming the field, the line and column, and the fix', async (t) => {
  const dir = await tempDir(t);
  const rows = [
    { name: 'trailing comma', text: '{\n  "a": [1, 2,]\n}\n', problem: 'unexpected "]" at line 2, column 14' },
    { name: 'cut off', text: '{"metadata":', problem: 'it ends early at line 1, column 13' },
    { name: 'not JSON at all', text: 'model: naive\n', problem: 'unexpected "m" at line 1, column 1' },
  ];
  for (const row of rows) {
    const path = join(dir, `${row.name}.json`);
    await writeFile(path, row.text);
    const error = await errorOf(() => readNamedJson(path, { field: '--datasets', fix: 'fix the syntax' }));
    assert.deepEqual(
      [error.code, error.field, error.message],
      ['malformed-file', '--datasets', `--datasets: ${path} is not valid JSON: ${row.problem}; fix the syntax`],
      row.name,
    );
    assert.ok(error.cause instanceof SyntaxError);
  }
});

test('JSON from stdin, or a file named by its path, says "not valid JSON" right after the name', () => {
  assert.throws(() => parseNamedJson('[1,,2]', 'stdin', { field: 'stdin', fix: 'fix the syntax' }), {
    code: 'malformed-file',
    field: 'stdin',
    message: 'stdin: not valid JSON: unexpected "," at line 1, column 4; fix the syntax',
  });
  assert.throws(() => parseNamedJson('', 'm.json', { field: 'm.json', what: 'the model file', fix: 'save it again' }), {
    message: 'm.json: the model file is not valid JSON: it ends early at line 1, column 1; save it again',
  });
});

test("a reviver's own error is reported with the field, its message kept", () => {
  const reviver = () => {
    throw new Error('no numbers here');
  };
  assert.throws(() => parseNamedJson('[1]', 'r.json', { field: '--request', fix: 'write it again' }, reviver), {
    code: 'malformed-file',
    message: '--request: r.json is not valid JSON: no numbers here; write it again',
  });
});
