import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidTraceparent, traceparentFor } from './trace.js';

const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('a valid incoming traceparent is kept, anything else gets a new trace', () => {
  assert.equal(traceparentFor(valid), valid);
  assert.equal(traceparentFor(valid.toUpperCase()), valid);
  for (const bad of [
    undefined,
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  ]) {
    const created = traceparentFor(bad);
    assert.notEqual(created, bad);
    assert.ok(isValidTraceparent(created), created);
  }
  // Ids stay unique across pool refills.
  const ids = new Set(Array.from({ length: 1_000 }, () => traceparentFor(undefined)));
  assert.equal(ids.size, 1_000);
});
