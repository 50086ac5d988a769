import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PrescaleError } from './index.js';

/**
 * Writes a file whole or not at all: into a temp file in the same directory, flushed, then renamed
 * over the target. A crash or error never leaves a half-written output for a user to trust.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, what = 'file'): Promise<void> {
  const tempPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tempPath, 'wx');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, path);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw new PrescaleError(
      'io-error',
      `${path}: cannot write ${what} (${(error as Error).message}); check the directory exists and is writable`,
      { field: path, cause: error },
    );
  }
}
