import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBatch, readSingle } from './events.js';
import { HttpError } from './errors.js';

const limits = { maxEventBytes: 1024, maxBatchEvents: 3 };

const refused =
  (status: number, expected: { field?: string; index?: number; message: RegExp }) => (error: unknown) => {
    assert.ok(error instanceof HttpError);
    assert.equal(error.statusCode, status);
    assert.match(error.message, expected.message);
    assert.deepEqual(
      { field: error.field, index: error.index },
      { field: expected.field, index: expected.index },
    );
    return true;
  };

test('a single call takes its type from the route and loses its writeKey', () => {
  const { calls } = readSingle('track', { userId: 'u', event: 'E', writeKey: 'secret-key' }, limits);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.type, 'track');
  assert.deepEqual(calls[0]!.event, { userId: 'u', event: 'E' });
  assert.equal(calls[0]!.eventJson, '{"userId":"u","event":"E"}');
  assert.equal(calls[0]!.index, undefined);
});

test('a batch yields each call with its own type, index, and the batch sentAt and context', () => {
  const result = readBatch(
    {
      batch: [
        { type: 'identify', userId: 'u', traits: { a: 1 } },
        { type: 'alias', userId: 'u', previousId: 'p', writeKey: 'secret-key' },
      ],
      sentAt: '2024-01-01T00:00:00.000Z',
      context: { library: { name: 'x' } },
      writeKey: 'secret-key',
    },
    limits,
  );
  assert.deepEqual(
    result.calls.map((c) => [c.type, c.index, 'writeKey' in c.event]),
    [
      ['identify', 0, false],
      ['alias', 1, false],
    ],
  );
  assert.equal(result.sentAt, '2024-01-01T00:00:00.000Z');
  assert.deepEqual(result.context, { library: { name: 'x' } });
});

test('invalid requests are refused whole, naming the field and the batch index', () => {
  const ok = { type: 'track', userId: 'u', event: 'E' };
  assert.throws(
    () => readSingle('track', { userId: 'u' }, limits),
    refused(400, { field: '/event', message: /invalid track call at \/event/ }),
  );
  assert.throws(() => readSingle('track', undefined, limits), refused(400, { message: /empty/ }));
  assert.throws(
    () => readSingle('page', [ok], limits),
    refused(400, { message: /must be the page call as a JSON object/ }),
  );
  assert.throws(
    () => readBatch({ batch: [ok, ok, { ...ok, properties: 'x' }] }, limits),
    refused(400, { field: '/properties', index: 2, message: /batch\[2\] \(track\) at \/properties/ }),
  );
  assert.throws(
    () => readBatch({ batch: [ok, { ...ok, type: 'purchase' }] }, limits),
    refused(400, { field: '/type', index: 1, message: /type "purchase"; expected one of track, identify/ }),
  );
  assert.throws(
    () => readBatch({ batch: [{ userId: 'u' }] }, limits),
    refused(400, { field: '/type', index: 0, message: /no "type"/ }),
  );
  assert.throws(
    () => readBatch({ batch: [ok, 7] }, limits),
    refused(400, { field: '', index: 1, message: /batch\[1\] must be a JSON object/ }),
  );
  assert.throws(
    () => readBatch({ batch: {} }, limits),
    refused(400, { field: '/batch', message: /must be an array/ }),
  );
  assert.throws(() => readBatch({ batch: [] }, limits), refused(400, { field: '/batch', message: /empty/ }));
  assert.throws(
    () => readBatch({ batch: [ok], sentAt: 5 }, limits),
    refused(400, { field: '/sentAt', message: /sentAt/ }),
  );
  assert.throws(
    () => readBatch({ batch: [ok], context: [] }, limits),
    refused(400, { field: '/context', message: /context/ }),
  );
  assert.throws(
    () => readBatch({ batch: [ok, ok, ok, ok] }, limits),
    refused(413, { field: '/batch', message: /4 calls, more than the limit of 3/ }),
  );
  const big = { ...ok, properties: { text: 'x'.repeat(2000) } };
  assert.throws(
    () => readBatch({ batch: [ok, big] }, limits),
    refused(413, {
      field: '',
      index: 1,
      message: /batch\[1\] \(track\) is \d+ bytes, larger than the limit of 1024/,
    }),
  );
});

test("the batch's context counts against each call's limit, since it is stored with each", () => {
  const ok = { type: 'track', userId: 'u', event: 'E' };
  const context = { pad: 'x'.repeat(500) };
  const read = readBatch({ batch: [ok], context }, limits);
  assert.equal(read.contextJson, JSON.stringify(context));
  const bigger = { ...ok, properties: { pad: 'y'.repeat(500) } };
  assert.throws(
    () => readBatch({ batch: [ok, bigger], context }, limits),
    refused(413, {
      field: '',
      index: 1,
      message:
        /batch\[1\] \(track\) is 1075 bytes with the batch's context \(510 bytes of it\), larger than the limit of 1024/,
    }),
  );
  assert.throws(
    () => readBatch({ batch: [ok], context: { pad: 'x'.repeat(2000) } }, limits),
    refused(413, { field: '/context', message: /"context" is 2010 bytes; .* limit of 1024 bytes per call/ }),
  );
});

test('a single call keeps its body text as its serialisation, unless a writeKey is cut out', () => {
  const text = '{ "userId": "u", "event": "E" }';
  const kept = readSingle('track', JSON.parse(text), limits, text);
  assert.equal(kept.calls[0]!.eventJson, text);

  const withKey = '{"userId":"u","event":"E","writeKey":"secret-key"}';
  const cut = readSingle('track', JSON.parse(withKey), limits, withKey);
  assert.equal(cut.calls[0]!.eventJson, '{"userId":"u","event":"E"}');

  // The size limit applies to the text as received.
  const padded = `{"userId":"u","event":"E"${' '.repeat(2000)}}`;
  assert.throws(
    () => readSingle('track', JSON.parse(padded), limits, padded),
    refused(413, { field: '', message: /2026 bytes/ }),
  );
});
