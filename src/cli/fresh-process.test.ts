import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countCalls } from '../testing/fresh-process-fixture.js';
import { isPrescaleError } from '../testing/prescale-error.js';
import { runInFreshProcess } from './fresh-process.js';

const fixture = new URL('../testing/fresh-process-fixture.ts', import.meta.url);

test('each call runs in a new process: no state of an earlier call (or of the caller) reaches it', async () => {
  await countCalls('here');
  await countCalls('here');
  for (const echo of [{ a: [1, 'two'] }, 'again']) {
    assert.deepEqual(await runInFreshProcess(fixture, 'countCalls', [echo]), { calls: 1, echo, notANumber: null });
  }
});

test('a PrescaleError in the process reaches the caller with its code, field and message', async () => {
  await assert.rejects(
    runInFreshProcess(fixture, 'failWithField', ['--out']),
    isPrescaleError('invalid-input', '--out', '--out: not valid here; give another'),
  );
});

test('a process that dies without answering rejects, naming the call and its exit code', async () => {
  await assert.rejects(
    runInFreshProcess(fixture, 'exitWithoutAnswer', []),
    /exitWithoutAnswer in a fresh process: it exited with code 3 before answering/,
  );
});
