import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spanContextOf, traceparentOf } from './trace-context.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

test('a traceparent round-trips through a span context', () => {
  const context = spanContextOf(TRACEPARENT);
  assert.deepEqual(context, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    isRemote: true,
  });
  assert.equal(traceparentOf(context!), TRACEPARENT);
  assert.equal(traceparentOf({ ...context!, traceFlags: 0 }), TRACEPARENT.replace(/01$/, '00'));
});

test('absent, malformed or all-zero traceparents name no context', () => {
  for (const bad of [
    undefined,
    '',
    'garbage',
    TRACEPARENT.toUpperCase(),
    `${TRACEPARENT}-extra`,
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
  ]) {
    assert.equal(spanContextOf(bad), undefined, String(bad));
  }
});
