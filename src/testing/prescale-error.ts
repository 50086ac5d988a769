import assert from 'node:assert/strict';
import { PrescaleError } from '../core/index.js';

/** An `assert.rejects` validator: a PrescaleError with this code and field whose message has every fragment. */
export function isPrescaleError(code: string, field: string, ...fragments: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof PrescaleError, String(error));
    assert.equal(error.code, code, error.message);
    assert.equal(error.field, field, error.message);
    for (const fragment of fragments)
      assert.ok(error.message.includes(fragment), `"${fragment}" not in: ${error.message}`);
    return true;
  };
}
