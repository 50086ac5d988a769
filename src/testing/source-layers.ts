import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { repoRoot } from './paths.js';

/**
 * The layers of src/, low to high: a file may import its own layer and lower ones, never a higher one.
 * `src/architecture.test.ts` enforces it; `docs/architecture.dot` draws it (`src/architecture-diagram.test.ts`).
 * `hpa` (the HPA kernel) may not exist yet on every branch; an absent layer simply has no files.
 */
export const layerOrder = [
  'core',
  'hpa',
  'planner',
  'preprocessor',
  'collector',
  'models',
  'config',
  'executor',
  'predictor',
  'operator',
  'simulator',
  'experiments',
  'cli',
] as const;

/** Test helpers and fixtures: imported by tests (and each other) only; they may import any layer. */
export const testingFolder = 'testing';

export const srcRoot = join(repoRoot, 'src');
const sourceExtensions = ['.ts', '.mts', '.mjs', '.js'];

export function isTestFile(path: string): boolean {
  return /\.test\.[cm]?[jt]s$/.test(path);
}

export function listSourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listSourceFiles(path);
    return sourceExtensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `src/…` with forward slashes, as people write paths. */
export function display(path: string): string {
  return relative(repoRoot, path).split(sep).join('/');
}

/** The file a relative specifier names: TypeScript under NodeNext writes `./x.js` for `./x.ts`. */
function resolveSpecifier(importer: string, specifier: string): string | undefined {
  const base = resolve(dirname(importer), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`];
  candidates.push(join(base, 'index.ts'));
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

export interface Import {
  readonly from: string;
  readonly specifier: string;
  readonly to: string | undefined;
}

/** Every relative import of a file: static, type-only, side-effect, `export … from` and `import()`. */
export function relativeImports(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ from: file, specifier, to: resolveSpecifier(file, specifier) }));
}

export function layerOf(file: string): string {
  return relative(srcRoot, file).split(sep)[0];
}

export function rankOf(layer: string): number {
  return (layerOrder as readonly string[]).indexOf(layer);
}
