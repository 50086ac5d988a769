import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordUpdate, serverSideApply, type WriteContext } from './managed-fields.js';

const at = (manager: string): WriteContext => ({
  manager,
  subresource: '',
  apiVersion: 'v1',
  time: '2025-06-01T12:00:00Z',
});
const object = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec });

describe('server-side apply field ownership', () => {
  it('names an Update manager with its apiVersion in a conflict', () => {
    const created = object({ a: 1 });
    const managedFields = recordUpdate([], at('kubectl-client-side-apply'), undefined, created, true);
    assert.deepEqual(managedFields[0].fieldsV1, { 'f:spec': { 'f:a': {} } });
    const current = { ...created, metadata: { ...created.metadata, managedFields } };
    assert.throws(
      () => serverSideApply(current, object({ a: 2 }), at('prescale'), false, true),
      /^Error: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: \.spec\.a$/,
    );
  });

  it('shares a field applied with the same value, and removes fields a manager stops applying', () => {
    const first = serverSideApply(undefined, object({ a: 1, b: 1 }), at('one'), false, true);
    const current = {
      ...first.object,
      metadata: { ...(first.object.metadata as object), managedFields: first.managedFields },
    };
    const shared = serverSideApply(current, object({ a: 1 }), at('two'), false, true);
    assert.deepEqual(
      shared.managedFields.map((entry) => [entry.manager, entry.fieldsV1]),
      [
        ['one', { 'f:spec': { 'f:a': {}, 'f:b': {} } }],
        ['two', { 'f:spec': { 'f:a': {} } }],
      ],
    );
    const next = {
      ...shared.object,
      metadata: { ...(shared.object.metadata as object), managedFields: shared.managedFields },
    };
    const dropped = serverSideApply(next, object({ a: 1 }), at('one'), false, true);
    assert.deepEqual(dropped.object.spec, { a: 1 });
  });

  it('lets a forced apply take a field over from its owner', () => {
    const first = serverSideApply(undefined, object({ a: 1 }), at('one'), false, true);
    const current = {
      ...first.object,
      metadata: { ...(first.object.metadata as object), managedFields: first.managedFields },
    };
    const forced = serverSideApply(current, object({ a: 2 }), at('two'), true, true);
    assert.deepEqual(forced.object.spec, { a: 2 });
    assert.deepEqual(
      forced.managedFields.map((entry) => entry.manager),
      ['two'],
    );
  });
});
