import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createProgressBars } from './progress.js';

/** A writable that records what is written, presenting itself as a terminal or not. */
function recordingStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  Object.assign(stream, { isTTY, columns: 120 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

const rows = [
  { name: 'not a terminal: writes nothing (no literal {task})', input: { isTTY: false }, want: { empty: true } },
  { name: 'a terminal: one bar per task, named', input: { isTTY: true }, want: { empty: false } },
];

for (const row of rows) {
  test(`progress bars, ${row.name}`, async () => {
    const { stream, text } = recordingStream(row.input.isTTY);
    const bars = createProgressBars('simulate', stream);
    bars.update('nasa-jul95 hpa', 1, 3);
    bars.update('nasa-jul95 prescale', 2, 3);
    bars.update('nasa-jul95 hpa', 3, 3);
    bars.stop();
    await new Promise((resolve) => setImmediate(resolve));
    const written = text();
    if (row.want.empty) {
      assert.equal(written, '');
      return;
    }
    assert.doesNotMatch(written, /\{task\}/);
    assert.match(written, /simulate nasa-jul95 hpa +\[[^\]]*\] 100% 3\/3/);
    assert.match(written, /simulate nasa-jul95 prescale +\[[^\]]*\] 66% 2\/3/);
  });
}
