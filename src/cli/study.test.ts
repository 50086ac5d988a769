import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ABLATIONS, QUICK_MODELS, STUDY_POLICIES, STUDY_STEPS } from '../experiments/study.js';
import { repoRoot } from '../testing/paths.js';
import { tempDir } from '../testing/temp-dir.js';

/** Runs the real CLI (`bin/prescale.mjs study …`) in a child process from the repo root. */
function study(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'bin/prescale.mjs'), 'study', ...args],
      { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Statistic {
  n: number;
  mean: number;
  ci95: { lower: number; upper: number };
  values: number[];
}

/** A figure over seeds is sane: one value per seed, their mean, and a 95 % interval around it. */
function assertSane(where: string, s: Statistic, seeds: number) {
  assert.equal(s.n, seeds, `${where}: n`);
  assert.equal(s.values.length, seeds, `${where}: values`);
  assert.ok(Number.isFinite(s.mean) && s.mean >= 0, `${where}: mean ${s.mean}`);
  assert.ok(Math.abs(s.mean - s.values.reduce((a, b) => a + b, 0) / seeds) < 1e-9, `${where}: mean of values`);
  assert.ok(
    s.ci95.lower <= s.mean && s.mean <= s.ci95.upper,
    `${where}: ${s.ci95.lower} ≤ ${s.mean} ≤ ${s.ci95.upper}`,
  );
}

test('prescale study --quick writes study.json, tables and figures, and a rerun skips every step', async (t) => {
  const out = join(await tempDir(t), 'study');
  const first = await study(['--quick', '--out', out]);
  assert.equal(first.code, 0, first.stderr);
  for (const step of STUDY_STEPS) assert.match(first.stdout, new RegExp(`study step ${step}: done in`));
  // One line per finished part with its wall time, so a log without a terminal tells where a study stands.
  const partLines = (stdout: string, step: string) =>
    stdout.split('\n').filter((line) => line.startsWith(`study ${step} `) && !line.startsWith('study step'));
  const partCounts = { accuracy: 4, experiment: 1, forecasters: 4, ablations: 5 };
  for (const [step, total] of Object.entries(partCounts)) {
    const lines = partLines(first.stdout, step);
    assert.equal(lines.length, total, step);
    for (const [i, line] of lines.entries()) {
      assert.match(line, new RegExp(`^study ${step} ${i + 1}/${total} nasa-jul95( \\S+)?: done in \\d+(\\.\\d)? s$`));
    }
  }
  assert.match(first.stdout, /^study ablations 2\/5 nasa-jul95 point-forecast: done in /m);
  const text = await readFile(join(out, 'study.json'), 'utf8');
  const json = JSON.parse(text);
  assert.deepEqual(Object.keys(json), [
    'schemaVersion',
    'plan',
    'provenance',
    'accuracy',
    'experiment',
    'forecasters',
    'ablations',
    'timings',
  ]);
  const seeds: number = json.plan.seeds;
  assert.equal(seeds, 2);
  assert.deepEqual(Object.keys(json.timings.stepSeconds), [...STUDY_STEPS]);

  // Step 1: the fast models scored on the bundled trace, each better than nothing and beating a flat guess.
  const accuracy = json.accuracy.datasets['nasa-jul95'];
  assert.deepEqual(Object.keys(accuracy.models), [...QUICK_MODELS]);
  assert.equal(accuracy.models['seasonal-naive'].rmseVsSnaive, 1);
  for (const m of Object.values(accuracy.models) as { rmse: number; wape: number }[]) {
    assert.ok(m.rmse > 0 && m.wape > 0 && m.wape < 2);
  }
  // Origins every 15 minutes of the day whose 30-minute horizon ends inside it: (1440 − 30) / 15 + 1.
  assert.equal(accuracy.origins, 95);

  // Step 2: every policy over the seeds with intervals; the paired test has one pair per seed.
  const experiment = json.experiment.datasets['nasa-jul95'];
  assert.equal(experiment.endSeconds - experiment.startSeconds, 86_400);
  assert.deepEqual(Object.keys(experiment.policies), [...STUDY_POLICIES]);
  for (const [policy, figures] of Object.entries(experiment.policies) as [string, Record<string, Statistic>][]) {
    for (const [field, s] of Object.entries(figures)) assertSane(`${policy}.${field}`, s, seeds);
  }
  for (const metric of ['sloViolationMinutes', 'cost']) {
    const paired = experiment.prescaleVsHpa[metric];
    assert.equal(paired.n, seeds);
    assert.equal(paired.df, seeds - 1);
    const { prescale, hpa } = experiment.policies;
    assert.ok(Math.abs(paired.difference.mean - (prescale[metric].mean - hpa[metric].mean)) < 1e-9);
    assert.ok(paired.p === null || (paired.p >= 0 && paired.p <= 1));
  }
  assert.ok(experiment.equalCost.some((r: { policy: string }) => r.policy === 'prescale'));
  assert.ok(experiment.equalCost.some((r: { policy: string }) => r.policy === 'oracle-cost'));

  // Step 3: Prescale with each quick model as its forecaster (the config reached the run: results.json names the
  // model), each read against the experiment's HPA frontier at its own cost.
  const forecasters = json.forecasters.datasets['nasa-jul95'];
  assert.deepEqual(Object.keys(forecasters), [...QUICK_MODELS]);
  for (const [model, { figures, equalCost }] of Object.entries(forecasters) as [
    string,
    { figures: Record<string, Statistic>; equalCost: Record<string, number> },
  ][]) {
    for (const [field, s] of Object.entries(figures)) assertSane(`${model}.${field}`, s, seeds);
    assert.equal(equalCost.cost, figures.cost.mean);
    assert.equal(equalCost.minutes, figures.sloViolationMinutes.mean);
    const results = JSON.parse(await readFile(join(out, `forecasters/nasa-jul95/${model}/results.json`), 'utf8'));
    assert.equal(results.datasets['nasa-jul95'].model, model);
  }
  assert.equal(experiment.hpaSweep.length, 7);

  // Each step's provenance: the commit it ran at, when it finished, and its part of the plan.
  for (const step of STUDY_STEPS) {
    assert.match(json.provenance[step].commit, /^[0-9a-f]{40}$/, step);
    assert.ok(Date.parse(json.provenance[step].finishedAt) > 0, step);
    assert.equal(json.provenance[step].plan.quick, true, step);
  }
  assert.deepEqual(json.provenance.forecasters.plan.forecasters.models, [...QUICK_MODELS]);
  assert.equal(json.provenance.accuracy.plan.seeds, undefined);

  // Step 4: each ablation as a Prescale run over the same seeds; the median one is the sweep's quantile-0.5 point
  // (to within the drift earlier Prophet fits in a process cause, docs/simulator.md).
  const ablations = json.ablations.datasets['nasa-jul95'];
  assert.deepEqual(
    Object.keys(ablations),
    ABLATIONS.map((a) => a.name),
  );
  for (const [name, figures] of Object.entries(ablations) as [string, Record<string, Statistic>][]) {
    assertSane(`${name}.sloViolationMinutes`, figures.sloViolationMinutes, seeds);
    assertSane(`${name}.cost`, figures.cost, seeds);
  }
  const median = experiment.equalCost.find((r: { setting: string }) => r.setting === 'quantile 0.5');
  assert.ok(Math.abs(ablations['point-forecast'].cost.mean / median.cost - 1) < 0.01);
  assert.ok(ablations['no-forecast'].sloViolationMinutes.mean > experiment.policies.prescale.sloViolationMinutes.mean);

  // No forecast means no forecast: every scaling event of that run is the fallback's reactive value.
  const events = await readFile(
    join(out, 'ablations/nasa-jul95/no-forecast/runs/nasa-jul95-prescale-seed1-events.csv'),
    'utf8',
  );
  const reasons = events.trim().split('\n').slice(1);
  assert.ok(reasons.length > 0);
  for (const reason of reasons) assert.match(reason, /fallback: reactive value/);

  const tables = await readdir(join(out, 'tables'));
  for (const name of ['accuracy', 'experiment', 'paired', 'equal-cost', 'ablations']) {
    assert.ok(tables.includes(`${name}.md`) && tables.includes(`${name}.csv`), name);
  }
  assert.match(await readFile(join(out, 'tables/paired.md'), 'utf8'), /\| nasa-jul95 \| cost \| 2 \|/);
  const figures = await readdir(join(out, 'figures'));
  const svgs = ['ablations-nasa-jul95', 'accuracy', 'experiment-nasa-jul95', 'forecasters-nasa-jul95'];
  assert.deepEqual(
    figures.sort(),
    svgs.flatMap((name) => [`${name}.png`, `${name}.svg`]),
  );
  for (const name of svgs) {
    const svg = await readFile(join(out, 'figures', `${name}.svg`), 'utf8');
    assert.match(svg, /^<svg/);
    // The PNG is that SVG drawn at its own size: PNG signature, IHDR width and height = the SVG's.
    const png = await readFile(join(out, 'figures', `${name}.png`));
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', name);
    const [, width, height] = svg.match(/^<svg[^>]* width="(\d+)" height="(\d+)"/) ?? [];
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [Number(width), Number(height)], name);
  }

  const markers = await Promise.all(STUDY_STEPS.map((s) => readFile(join(out, s, 'done.json'), 'utf8')));
  const second = await study(['--quick', '--out', out]);
  assert.equal(second.code, 0, second.stderr);
  for (const step of STUDY_STEPS) assert.match(second.stdout, new RegExp(`study step ${step}: skipped`));
  assert.doesNotMatch(second.stdout, /done in/);
  assert.deepEqual(await Promise.all(STUDY_STEPS.map((s) => readFile(join(out, s, 'done.json'), 'utf8'))), markers);
  const again = JSON.parse(await readFile(join(out, 'study.json'), 'utf8'));
  delete json.timings;
  delete again.timings;
  assert.deepEqual(again, json);

  // The simulation steps interrupted (no marker yet) after some of their parts: a rerun keeps the finished parts
  // as they are (their runs are not redone) and redoes the rest in fresh processes, to the same numbers. The
  // experiment step's one part is kept; two forecasters and two ablations (Prophet ones, which an earlier fit in
  // the same process would shift) are redone, one of each left half-written (its directory without its part).
  const sections = Object.fromEntries(
    await Promise.all(STUDY_STEPS.map(async (s) => [s, await readFile(join(out, s, 'section.json'), 'utf8')])),
  );
  const redo = [
    'forecasters/nasa-jul95/ets',
    'forecasters/nasa-jul95/ceemdan-ets',
    'ablations/nasa-jul95/point-forecast',
    'ablations/nasa-jul95/no-fallback',
  ];
  const keep = [
    'experiment/nasa-jul95',
    'forecasters/nasa-jul95/naive',
    'ablations/nasa-jul95/no-forecast',
    'ablations/nasa-jul95/anomaly-filter-on',
  ];
  const redoneBefore = await Promise.all(redo.map((dir) => readFile(join(out, dir, 'part.json'), 'utf8')));
  const kept = await Promise.all(
    keep.map(async (dir) => ({
      part: await readFile(join(out, dir, 'part.json'), 'utf8'),
      resultsMtime: (await stat(join(out, dir, 'results.json'))).mtimeMs,
    })),
  );
  for (const step of ['experiment', 'forecasters', 'ablations']) await rm(join(out, step, 'done.json'));
  await rm(join(out, redo[0], 'part.json'));
  await rm(join(out, redo[1]), { recursive: true });
  await rm(join(out, redo[2], 'part.json'));
  await rm(join(out, redo[3]), { recursive: true });
  const interrupted = await study(['--quick', '--out', out]);
  assert.equal(interrupted.code, 0, interrupted.stderr);
  assert.match(interrupted.stdout, /study step accuracy: skipped/);
  for (const step of ['experiment', 'forecasters', 'ablations']) {
    assert.match(interrupted.stdout, new RegExp(`study step ${step}: done in`));
    assert.equal(await readFile(join(out, step, 'section.json'), 'utf8'), sections[step], `${step} section`);
  }
  assert.match(interrupted.stdout, /^study experiment 1\/1 nasa-jul95: kept, finished earlier in \d/m);
  assert.match(interrupted.stdout, /^study forecasters 3\/4 nasa-jul95 ets: done in /m);
  assert.match(interrupted.stdout, /^study ablations 1\/5 nasa-jul95 no-forecast: kept, /m);
  for (const [i, dir] of keep.entries()) {
    assert.equal(await readFile(join(out, dir, 'part.json'), 'utf8'), kept[i].part, dir);
    assert.equal(
      (await stat(join(out, dir, 'results.json'))).mtimeMs,
      kept[i].resultsMtime,
      `${dir} was not run again`,
    );
  }
  for (const [i, dir] of redo.entries()) {
    const [before, after] = [
      JSON.parse(redoneBefore[i]),
      JSON.parse(await readFile(join(out, dir, 'part.json'), 'utf8')),
    ];
    assert.deepEqual(after.section, before.section, `${dir}: the same numbers`);
    assert.deepEqual(after.plan, before.plan, dir);
  }
  const resumedStudy = JSON.parse(await readFile(join(out, 'study.json'), 'utf8'));
  delete resumedStudy.timings;
  for (const step of STUDY_STEPS) {
    assert.equal(resumedStudy.provenance[step].commit, json.provenance[step].commit, step);
    resumedStudy.provenance[step].finishedAt = json.provenance[step].finishedAt;
  }
  assert.deepEqual(resumedStudy, json);

  // A finished step whose plan lost a model since (as a study continued with a model added would see it): redone,
  // keeping every part that still holds, so nothing runs again.
  const forecastersMarker = JSON.parse(await readFile(join(out, 'forecasters', 'done.json'), 'utf8'));
  forecastersMarker.plan.forecasters.models.pop();
  await writeFile(join(out, 'forecasters', 'done.json'), JSON.stringify(forecastersMarker));
  const grown = await study(['--quick', '--out', out]);
  assert.equal(grown.code, 0, grown.stderr);
  assert.match(grown.stdout, /study step forecasters: its models or traces changed since it finished; redoing it/);
  assert.equal(partLines(grown.stdout, 'forecasters').filter((line) => line.includes(': kept, ')).length, 4);
  assert.equal(await readFile(join(out, 'forecasters', 'section.json'), 'utf8'), sections.forecasters);

  // A study whose steps finished before the forecasters step and provenance existed (markers without either)
  // resumes: its finished steps are reused, only the new step runs, and their provenance says what is unknown.
  for (const step of ['accuracy', 'experiment', 'ablations']) {
    const marker = JSON.parse(await readFile(join(out, step, 'done.json'), 'utf8'));
    delete marker.plan.forecasters;
    await writeFile(join(out, step, 'done.json'), JSON.stringify({ step, plan: marker.plan, seconds: marker.seconds }));
  }
  await rm(join(out, 'forecasters'), { recursive: true });
  const resumed = await study(['--quick', '--out', out]);
  assert.equal(resumed.code, 0, resumed.stderr);
  for (const step of ['accuracy', 'experiment', 'ablations']) {
    assert.match(resumed.stdout, new RegExp(`study step ${step}: skipped`));
  }
  assert.match(resumed.stdout, /study step forecasters: done in/);
  const old = JSON.parse(await readFile(join(out, 'study.json'), 'utf8'));
  assert.equal(old.provenance.accuracy.commit, null);
  assert.ok(Date.parse(old.provenance.accuracy.finishedAt) > 0);
  assert.deepEqual(old.experiment, json.experiment);
  assert.deepEqual(Object.keys(old.forecasters.datasets['nasa-jul95']), [...QUICK_MODELS]);

  // An accuracy step interrupted after some of its models (no marker yet): a rerun backtests only the models whose
  // part is missing and keeps the others' parts and forecasts as they are.
  const parts = join(out, 'accuracy', 'nasa-jul95');
  await rm(join(out, 'accuracy', 'done.json'));
  await rm(join(parts, 'ets.accuracy.json'));
  const keptPart = await readFile(join(parts, 'naive.accuracy.json'), 'utf8');
  const keptCsvMtime = (await stat(join(parts, 'naive.csv'))).mtimeMs;
  const partial = await study(['--quick', '--out', out]);
  assert.equal(partial.code, 0, partial.stderr);
  assert.match(partial.stdout, /study step accuracy: done in/);
  assert.equal(await readFile(join(parts, 'naive.accuracy.json'), 'utf8'), keptPart);
  assert.equal((await stat(join(parts, 'naive.csv'))).mtimeMs, keptCsvMtime, 'naive was not backtested again');
  const redone = JSON.parse(await readFile(join(out, 'study.json'), 'utf8')).accuracy.datasets['nasa-jul95'];
  const before = json.accuracy.datasets['nasa-jul95'];
  assert.deepEqual(Object.keys(redone.models), [...QUICK_MODELS]);
  assert.deepEqual(redone.models.naive, before.models.naive);
  assert.equal(redone.models.ets.rmse, before.models.ets.rmse, 'the redone model scores the same');

  // A full study into the quick one's directory would mix plans: refused, naming the fix.
  const mixed = await study(['--out', out]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--out: .* holds a study run with another plan \(--quick, 2 seeds\); add --force/);
});

test('prescale study without --out names the flag', async () => {
  const result = await study(['--quick']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--out: required/);
});
