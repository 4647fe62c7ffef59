import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StreamInfo } from '@nats-io/jetstream';
import { isStreamFullError, streamFullness } from './stream-limits.js';

const info = (config: { max_bytes: number; max_msgs: number }, state: { bytes: number; messages: number }) =>
  ({ config, state }) as unknown as Pick<StreamInfo, 'config' | 'state'>;

test('isStreamFullError: the store refusals of a full stream, not other errors', () => {
  assert.equal(isStreamFullError('maximum bytes exceeded'), true);
  assert.equal(isStreamFullError('maximum messages exceeded'), true);
  assert.equal(isStreamFullError('message size exceeds maximum allowed'), false);
  assert.equal(isStreamFullError('stream not found'), false);
});

test('streamFullness: full when another event of headroom bytes, or one more message, would not fit', () => {
  const unlimited = { max_bytes: -1, max_msgs: -1 };
  assert.equal(streamFullness(info(unlimited, { bytes: 1e12, messages: 1e9 }), 1024), undefined);
  assert.equal(
    streamFullness(info({ max_bytes: 10_000, max_msgs: -1 }, { bytes: 8_000, messages: 5 }), 1024),
    undefined,
  );
  assert.match(
    streamFullness(info({ max_bytes: 10_000, max_msgs: -1 }, { bytes: 9_000, messages: 5 }), 1024) ?? '',
    /9000 of max_bytes 10000/,
  );
  assert.match(
    streamFullness(info({ max_bytes: -1, max_msgs: 5 }, { bytes: 10, messages: 5 }), 1024) ?? '',
    /5 of max_msgs 5/,
  );
});
