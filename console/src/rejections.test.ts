import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rejection } from '@eventpipe/core';
import { parseRejection, RejectionRing } from './rejections.js';

const rejection = (sourceId: string, n: number): Rejection => ({
  at: `2026-01-01T00:00:0${n}.000Z`,
  sourceId,
  method: 'POST',
  route: '/v1/track',
  status: 400,
  reason: `reason ${n}`,
});

test('the ring keeps the newest N per source, newest first, and a bounded number of sources', () => {
  const ring = new RejectionRing(2, 2);
  for (let n = 1; n <= 3; n++) ring.add(rejection('web', n));
  ring.add(rejection('app', 1));
  ring.add(rejection('third', 1));
  assert.deepEqual(
    ring.of('web').map((r) => r.reason),
    ['reason 3', 'reason 2'],
  );
  assert.equal(ring.of('app').length, 1);
  assert.deepEqual(ring.of('third'), []);
});

test('a record is believed only in shape, and its source comes from the subject', () => {
  const text = JSON.stringify(rejection('app', 1));
  assert.equal(parseRejection(text, 'web')?.sourceId, 'web');
  assert.equal(parseRejection('not json', 'web'), undefined);
  assert.equal(parseRejection('{"at":1}', 'web'), undefined);
  assert.equal(parseRejection('null', 'web'), undefined);
});
