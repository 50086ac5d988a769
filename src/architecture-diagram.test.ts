import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './testing/paths.js';
import {
  isTestFile,
  layerOf,
  layerOrder,
  listSourceFiles,
  relativeImports,
  srcRoot,
  testingFolder,
} from './testing/source-layers.js';

/**
 * docs/architecture.dot draws the layers of src/ and the imports between them; docs/architecture.svg is its
 * rendering (`npm run docs:diagram`). These tests keep both in step with the code, so the picture cannot drift.
 */
const dotPath = join(repoRoot, 'docs/architecture.dot');
const svgPath = join(repoRoot, 'docs/architecture.svg');
const fix = 'edit docs/architecture.dot, then run `npm run docs:diagram`';

/** Imports into core are left out of the picture: every layer may use it. */
const undrawnTarget = 'core';

const layerNode = (layer: string): string => `src/${layer}`;

/** Layer nodes in the order the .dot declares them: lines `"src/x" [label=…]`. */
function declaredLayerNodes(dot: string): string[] {
  return [...dot.matchAll(/^\s*"(src\/[a-z-]+)"\s*\[/gm)].map((match) => match[1]);
}

/** Edges between two layer nodes: `"src/a" -> "src/b"`, as `src/a -> src/b`. */
function drawnLayerEdges(dot: string): string[] {
  return [...dot.matchAll(/^\s*"(src\/[a-z-]+)"\s*->\s*"(src\/[a-z-]+)"/gm)].map(([, from, to]) => `${from} -> ${to}`);
}

/** Layer-to-layer imports found in the code (each pair once), without imports into core. */
function codeLayerEdges(): string[] {
  const files = listSourceFiles(srcRoot).filter((file) => !isTestFile(file) && layerOf(file) !== testingFolder);
  const edges = new Set<string>();
  for (const file of files) {
    for (const { to } of relativeImports(file)) {
      if (to === undefined) continue;
      const [fromLayer, toLayer] = [layerOf(file), layerOf(to)];
      if (fromLayer !== toLayer && toLayer !== undrawnTarget) {
        edges.add(`${layerNode(fromLayer)} -> ${layerNode(toLayer)}`);
      }
    }
  }
  return [...edges];
}

/** Graphviz writes each node's and edge's id as its SVG `<title>`, escaping `-` and `>`. */
function svgTitles(svg: string): string[] {
  return [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((match) =>
    match[1].replaceAll('&#45;', '-').replaceAll('&gt;', '>'),
  );
}

const dot = readFileSync(dotPath, 'utf8');

describe('architecture diagram (docs/architecture.dot)', () => {
  it('has one node per layer of src/, declared low to high in the layer order', () => {
    assert.deepEqual(
      declaredLayerNodes(dot),
      layerOrder.map(layerNode),
      `the layer nodes differ from src/'s layers; ${fix}`,
    );
  });

  it('draws exactly the imports between layers that the code has', () => {
    const drawn = new Set(drawnLayerEdges(dot));
    const code = new Set(codeLayerEdges());
    assert.ok(code.size > 10, `only ${code.size} imports between layers found (the scan sees nothing?)`);
    const problems = [
      ...[...code].filter((edge) => !drawn.has(edge)).map((edge) => `missing in the diagram: ${edge}`),
      ...[...drawn].filter((edge) => !code.has(edge)).map((edge) => `drawn but no such import in src/: ${edge}`),
    ];
    assert.deepEqual(problems, [], fix);
  });

  it('is rendered: docs/architecture.svg holds the same layer nodes and edges as the .dot', () => {
    const titles = svgTitles(readFileSync(svgPath, 'utf8')).filter((title) =>
      title.split('->').every((end) => end.startsWith('src/')),
    );
    const rendered = new Set(titles);
    const expected = new Set([
      ...declaredLayerNodes(dot),
      ...drawnLayerEdges(dot).map((edge) => edge.replace(' -> ', '->')),
    ]);
    assert.deepEqual(
      [...rendered].sort(),
      [...expected].sort(),
      'docs/architecture.svg is out of date; run `npm run docs:diagram`',
    );
  });
});
