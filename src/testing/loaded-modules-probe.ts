/**
 * Preloaded (`node --import`) into a child process by `loaded-modules.ts`: when the process exits, however it
 * exits (commander's `--help` calls process.exit), writes what it loaded to the file named by
 * PRESCALE_LOADED_MODULES_FILE: every CommonJS module file (ESM imports of CommonJS packages such as
 * onnxruntime-node and @tensorflow/tfjs land there too) and every native library mapped in (ONNX Runtime's).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const out = process.env.PRESCALE_LOADED_MODULES_FILE;
if (out) {
  process.on('exit', () => {
    const files = Object.keys(createRequire(import.meta.url).cache);
    const libraries = process.report.getReport() as { sharedObjects?: string[] };
    writeFileSync(out, JSON.stringify([...files, ...(libraries.sharedObjects ?? [])]));
  });
}
