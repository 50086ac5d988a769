import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './testing/paths.js';
import {
  display,
  isTestFile,
  layerOf,
  layerOrder,
  listSourceFiles,
  rankOf,
  relativeImports,
  srcRoot,
  testingFolder,
} from './testing/source-layers.js';

/** Files on import circles: strongly connected components of the import graph (Tarjan), as readable paths. */
function importCircles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    lowLink.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(next)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) circles.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles.map((component) => circlePath(component, graph));
}

/** One concrete circle through a component (a → b → … → a), found by breadth-first search back to its start. */
function circlePath(component: readonly string[], graph: ReadonlyMap<string, readonly string[]>): string[] {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of graph.get(file) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [file];
        while (path[0] !== start) path.unshift(previous.get(path[0])!);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return [...component, start];
}

const sourceFiles = listSourceFiles(srcRoot).filter((file) => !isTestFile(file));
const imports = sourceFiles.flatMap(relativeImports);

describe('architecture: imports between source files', () => {
  it('finds the layers it checks (guards against a scan that silently sees nothing)', () => {
    const layers = new Set(sourceFiles.map(layerOf));
    for (const layer of ['core', 'models', 'cli', testingFolder])
      assert.ok(layers.has(layer), `no files in src/${layer}`);
    assert.ok(imports.length > 100, `only ${imports.length} relative imports found`);
  });

  it('every source file lives in a known layer and every relative import names an existing file', () => {
    const problems = [
      ...sourceFiles
        .filter((file) => layerOf(file) !== testingFolder && rankOf(layerOf(file)) < 0)
        .map((file) => `${display(file)}: folder src/${layerOf(file)} is not in the layer order (add it there)`),
      ...imports
        .filter((imported) => imported.to === undefined)
        .map((imported) => `${display(imported.from)} imports '${imported.specifier}': no such file`),
    ];
    assert.deepEqual(problems, []);
  });

  it('no import runs up the layer order, and only tests use src/testing', () => {
    const violations: string[] = [];
    for (const { from, specifier, to } of imports) {
      if (to === undefined) continue;
      const fromLayer = layerOf(from);
      const toLayer = layerOf(to);
      if (fromLayer === testingFolder) continue;
      if (toLayer === testingFolder) {
        violations.push(`${display(from)} imports '${specifier}': only tests and src/testing may import src/testing`);
      } else if (rankOf(toLayer) > rankOf(fromLayer)) {
        violations.push(
          `${display(from)} imports '${specifier}': layer ${fromLayer} may not import the higher layer ${toLayer} ` +
            `(order, low to high: ${layerOrder.join(' < ')})`,
        );
      }
    }
    assert.deepEqual(violations, []);
  });

  it('has no import circle between files', () => {
    const graph = new Map<string, string[]>(sourceFiles.map((file) => [file, []]));
    for (const { from, to } of imports) if (to !== undefined) graph.get(from)?.push(to);
    const circles = importCircles(graph).map(
      (circle) => `import circle (no file may import itself back, even type-only): ${circle.map(display).join(' -> ')}`,
    );
    assert.deepEqual(circles, []);
  });
});

/** The most lines a source file may have (tests included): a longer file does more than one job. */
const maxLinesPerFile = 500;

/** Lines as an editor numbers them: a final newline does not start another line. */
function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('architecture: file length', () => {
  it(`no source file is over ${maxLinesPerFile} lines`, () => {
    const files = [...listSourceFiles(srcRoot), ...listSourceFiles(join(repoRoot, 'bench'))];
    const lines = new Map(files.map((file) => [display(file), lineCount(file)]));
    assert.ok(
      [...lines.keys()].some((file) => file.startsWith('bench/')),
      'no files found in bench/',
    );
    const problems = [...lines]
      .filter(([, count]) => count > maxLinesPerFile)
      .map(([file, count]) => `${file}: ${count} lines; split it into files by the job each part does`);
    assert.deepEqual(problems, []);
  });
});
