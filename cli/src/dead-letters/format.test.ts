import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatEnvelope, formatList, formatOutcome, formatSummary, oneLine, parseSince } from './format.js';

const now = new Date('2024-05-10T12:00:00.000Z');

test('--since: a duration back from now, or a date or time', () => {
  assert.equal(parseSince('30m', now).toISOString(), '2024-05-10T11:30:00.000Z');
  assert.equal(parseSince('24h', now).toISOString(), '2024-05-09T12:00:00.000Z');
  assert.equal(parseSince('7d', now).toISOString(), '2024-05-03T12:00:00.000Z');
  assert.equal(parseSince('2024-05-01', now).toISOString(), '2024-05-01T00:00:00.000Z');
  assert.equal(parseSince('2024-05-01T10:00:00Z', now).toISOString(), '2024-05-01T10:00:00.000Z');
  for (const bad of ['yesterday', '5', '2024-13-45', '1w', '']) {
    assert.throws(() => parseSince(bad, now), /give a duration .* or a date or time/);
  }
});

test('a reason on one line, cut to fit', () => {
  assert.equal(oneLine('load: a\n  b', 20), 'load: a b');
  assert.equal(oneLine('x'.repeat(30), 10), `${'x'.repeat(9)}…`);
});

test('the list table: aligned columns, reason last', () => {
  const lines = formatList([
    {
      id: '0123456789ab',
      origin: 'EVENTS-1',
      streamSequence: 3,
      sourceId: 'web',
      messageId: 'poison-1',
      reason: 'load: new row violates check constraint "small_orders"',
      firstFailedAt: '2024-05-01T10:00:00.000Z',
      lastFailedAt: '2024-05-01T10:00:00.000Z',
      attempts: 1,
    },
    {
      id: 'ba9876543210',
      origin: 'EVENTS-1',
      streamSequence: 4,
      sourceId: 'app',
      messageId: 'm',
      reason: 'undecodable',
      firstFailedAt: '2024-05-01T10:00:00.000Z',
      lastFailedAt: '2024-05-01T11:00:00.000Z',
      attempts: 12,
      redriven: { at: '2024-05-02T00:00:00.000Z', stream: 'EVENTS', sequence: 99 },
    },
  ]);
  assert.deepEqual(lines, [
    'ID            LAST FAILED               SOURCE  MESSAGE ID  ATTEMPTS  STATUS                 REASON',
    '0123456789ab  2024-05-01T10:00:00.000Z  web     poison-1    1         pending                load: new row violates check constraint "small_orders"',
    'ba9876543210  2024-05-01T11:00:00.000Z  app     m           12        redriven → EVENTS #99  undecodable',
  ]);
});

test('the envelope indented, unless that would round a number', () => {
  assert.equal(formatEnvelope('{"a":1}'), '{\n  "a": 1\n}');
  assert.equal(formatEnvelope('{"a":12345678901234567890}'), '{"a":12345678901234567890}');
  assert.equal(formatEnvelope('not json'), 'not json');
});

test('redrive outcomes, one line each', () => {
  assert.equal(
    formatOutcome({ id: 'a', outcome: 'redriven', stream: 'EVENTS', sequence: 5, duplicate: false }),
    'a  redriven → EVENTS #5',
  );
  assert.equal(formatOutcome({ id: 'a', outcome: 'skipped', reason: 'why' }), 'a  not redriven: why');
  assert.equal(formatOutcome({ id: 'a', outcome: 'not-found' }), 'a  no dead letter has this id');
});

test('the summary: dead letters by source and reason, then the tables with rows left incomplete', () => {
  assert.deepEqual(
    formatSummary({
      since: '2024-05-01T00:00:00.000Z',
      deadLetters: [
        { sourceId: 'web', reason: 'load', pending: 2, redriven: 1 },
        { sourceId: 'app', reason: 'undecodable', pending: 1, redriven: 0 },
      ],
      tables: [
        { table: 'web.tracks', rows: 10, rejected: 0, enrichmentErrors: 0 },
        { table: 'web.order_completed', rows: 5, rejected: 1, enrichmentErrors: 2 },
      ],
    }),
    [
      'since 2024-05-01T00:00:00.000Z',
      'dead letters (source, reason):',
      '  web  load         2 pending, 1 redriven',
      '  app  undecodable  1 pending, 0 redriven',
      'rows loaded with _rejected values or enrichment errors (table: rows loaded, with _rejected, with _enrichment_errors):',
      '  web.order_completed  5 rows, 1 with _rejected, 2 with _enrichment_errors',
    ],
  );
  assert.deepEqual(formatSummary({ since: 's', deadLetters: [], tables: [] }), [
    'since s',
    'dead letters: none',
    'rows with _rejected values or enrichment errors: none (in 0 tables)',
  ]);
});
