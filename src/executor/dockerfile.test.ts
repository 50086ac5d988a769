// k8s/Dockerfile without a Docker engine (none runs here): its instructions are read and checked against the
// repo and the install (LTS Node in every stage, runtime dependencies only, a non-root numeric user that is the
// StatefulSet's, every copied path present and let in by .dockerignore), and the pruning script it runs is run
// on a small tree shaped like the real one. The payload it leaves is measured in docs/benchmarks.md.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

interface Instruction {
  readonly command: string;
  readonly args: string;
  /** Index of the stage (FROM) it belongs to. */
  readonly stage: number;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
async function readDockerfile(): Promise<Instruction[]> {
  const text = await readFile(join(repoRoot, 'k8s/Dockerfile'), 'utf8');
  const lines = text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  let stage = -1;
  return lines.map((line) => {
    const [command, ...rest] = line.split(/\s+/);
    if (command.toUpperCase() === 'FROM') stage += 1;
    return { command: command.toUpperCase(), args: rest.join(' '), stage };
  });
}

const of = (instructions: Instruction[], command: string) => instructions.filter((i) => i.command === command);

test('every stage is Node.js 22 LTS (what package.json asks for), and the image is multi-stage', async () => {
  const instructions = await readDockerfile();
  const froms = of(instructions, 'FROM');
  assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
  const engines = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')).engines.node;
  assert.equal(engines, '>=22');
  for (const from of froms) {
    // Node's LTS lines are the even majors; 22 is the one the project runs on (engines).
    const major = /^node:(\d+)-bookworm-slim(\s+AS\s+\w+)?$/i.exec(from.args)?.[1];
    assert.equal(major, '22', `FROM ${from.args}`);
  }
});

test('the build installs the runtime dependencies only, with the ONNX Runtime download skipped', async () => {
  const instructions = await readDockerfile();
  const runs = of(instructions, 'RUN').map((r) => r.args);
  const installs = runs.filter((r) => /\bnpm (ci|install|i)\b/.test(r));
  assert.deepEqual(installs.length, 1);
  assert.match(installs[0], /\bnpm ci --omit=dev\b/);
  const npmrc = await readFile(join(repoRoot, '.npmrc'), 'utf8');
  assert.match(npmrc, /^onnxruntime-node-install=skip$/m);
  const copies = of(instructions, 'COPY').map((c) => c.args);
  assert.ok(
    copies.some((c) => c.split(/\s+/).includes('.npmrc')),
    'the .npmrc is in the build stage',
  );
  assert.ok(
    runs.some((r) => r.includes('prune-image.sh /app')),
    'the build stage prunes /app',
  );
});

test('the image runs prescale as the StatefulSet’s numeric non-root user, with the StatefulSet’s arguments', async () => {
  const instructions = await readDockerfile();
  const lastStage = Math.max(...instructions.map((i) => i.stage));
  const users = of(instructions, 'USER').filter((u) => u.stage === lastStage);
  assert.equal(users.length, 1);
  const [uid, gid] = users[0].args.split(':').map(Number);
  assert.ok(uid > 0 && gid > 0, `USER ${users[0].args} is numeric and not root`);
  const statefulSet = parse(await readFile(join(repoRoot, 'k8s/base/statefulset.yaml'), 'utf8'));
  const pod = statefulSet.spec.template.spec;
  assert.deepEqual([pod.securityContext.runAsUser, pod.securityContext.runAsGroup], [uid, gid]);
  const entrypoint = JSON.parse(of(instructions, 'ENTRYPOINT')[0].args);
  assert.deepEqual(entrypoint, ['node', '--min-semi-space-size=16', 'bin/prescale.mjs']);
  // The StatefulSet adds the controller's flags after the image's default command.
  const command = JSON.parse(of(instructions, 'CMD')[0].args);
  assert.deepEqual(pod.containers[0].args.slice(0, command.length), command);
  // The runtime stage takes the pruned /app from the build stage and nothing from the build context.
  const runtimeCopies = of(instructions, 'COPY').filter((c) => c.stage === lastStage);
  assert.deepEqual(
    runtimeCopies.map((c) => c.args),
    ['--from=build /app ./'],
  );
});

test('every path the Dockerfile copies exists and is let into the build context by .dockerignore', async () => {
  const instructions = await readDockerfile();
  const ignore = (await readFile(join(repoRoot, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  assert.equal(ignore[0], '*', '.dockerignore lets in only what it names');
  const admitted = ignore.slice(1).map((line) => {
    assert.ok(line.startsWith('!'), line);
    return line.slice(1).replace(/\/$/, '');
  });
  const sources = of(instructions, 'COPY')
    .filter((c) => !c.args.startsWith('--from'))
    .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
  assert.ok(sources.length >= 5);
  for (const source of sources) {
    assert.ok(existsSync(join(repoRoot, source)), `COPY ${source}: no such path in the repo`);
    assert.ok(admitted.includes(source), `COPY ${source} is not let in by .dockerignore`);
  }
  for (const path of admitted) assert.ok(sources.includes(path), `.dockerignore lets in ${path}, which no COPY uses`);
});

test('the pruning keeps ONNX Runtime for this platform only and drops tests, source maps and npm inputs', async (t) => {
  const app = await tempDir(t);
  const files = [
    'package.json',
    'package-lock.json',
    '.npmrc',
    'src/cli/main.ts',
    'src/cli/main.test.ts',
    'src/testing/paths.ts',
    'node_modules/yaml/dist/index.js',
    'node_modules/yaml/dist/index.js.map',
    ...['darwin/arm64', 'linux/arm64', 'linux/x64', 'win32/arm64', 'win32/x64'].map(
      (platform) => `node_modules/onnxruntime-node/bin/napi-v6/${platform}/onnxruntime_binding.node`,
    ),
    'node_modules/onnxruntime-node/dist/index.js',
  ];
  for (const file of files) {
    await mkdir(dirname(join(app, file)), { recursive: true });
    await writeFile(join(app, file), 'x');
  }
  await promisify(execFile)('sh', [join(repoRoot, 'k8s/prune-image.sh'), app]);
  const kept = files.filter((file) => existsSync(join(app, file)));
  assert.deepEqual(kept, [
    'package.json',
    'src/cli/main.ts',
    'node_modules/yaml/dist/index.js',
    `node_modules/onnxruntime-node/bin/napi-v6/linux/${process.arch}/onnxruntime_binding.node`,
    'node_modules/onnxruntime-node/dist/index.js',
  ]);
  assert.ok(!existsSync(join(app, 'node_modules/onnxruntime-node/bin/napi-v6/win32')), 'no empty platform folders');
  assert.ok(!existsSync(join(app, 'src/testing')));
});
