/**
 * The verdict must see every way an event can go wrong; otherwise the chaos suite cannot fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chaosEvent, contentHash, retryDelayMs, sentContent, type SentEvent } from './sdk.js';
import { compare, type ArchiveObject, type WarehouseRow } from './verify.js';
import { faultOrder, latency } from './run.js';
import { FAULT_KINDS } from './faults.js';

const events = [1, 2, 3].map((seq) => chaosEvent('run', seq, new Date('2026-11-26T10:00:00.123Z')));

function sent(): Map<string, SentEvent> {
  return new Map(
    events.map((e) => [
      e.messageId,
      { id: e.messageId, hash: contentHash(sentContent(e)), trackedAt: 0, ackedAt: 1 },
    ]),
  );
}

function row(e: (typeof events)[number]): WarehouseRow {
  return {
    id: e.messageId,
    user_id: e.userId,
    anonymous_id: e.anonymousId,
    event_text: e.event,
    original_timestamp: new Date(e.timestamp),
    seq: String(e.properties.seq),
    label: e.properties.label,
    amount: e.properties.amount,
    flag: e.properties.flag,
    nested_depth: e.properties.nested.depth,
    uuid_ts: new Date(1000),
  };
}

const archive = (ids: string[]): ArchiveObject[] => [
  { key: 'raw/a', events: ids.map((id) => ({ id, hash: sent().get(id)!.hash })) },
];
const ids = events.map((e) => e.messageId);
const tracks = (list: string[]) => new Map(list.map((id) => [id, 1]));

test('all loaded once, unchanged: a clean verdict', () => {
  const v = compare(
    sent(),
    { rows: events.map(row), trackCounts: tracks(ids), deadLetters: 0 },
    archive(ids),
  );
  assert.deepEqual(
    [v.missing, v.duplicates, v.changed, v.unknown, v.archive.missing, v.archive.changed],
    [[], [], [], [], [], []],
  );
  assert.equal(v.loaded, 3);
});

test('a missing, a doubled, a changed and an unknown row are each reported', () => {
  const changed = { ...row(events[2]!), amount: 3.5 };
  const stranger = { ...row(events[0]!), id: 'stranger' };
  const v = compare(
    sent(),
    {
      rows: [row(events[1]!), row(events[1]!), changed, stranger],
      trackCounts: tracks([...ids, 'stranger']),
      deadLetters: 0,
    },
    [...archive(ids.slice(1)), ...archive(ids.slice(1, 2))],
  );
  assert.deepEqual(v.missing, [ids[0]]);
  assert.deepEqual(v.duplicates, [ids[1]]);
  assert.deepEqual(v.changed, [ids[2]]);
  assert.deepEqual(v.unknown, ['stranger']);
  assert.deepEqual(v.archive.missing, [ids[0]]);
  assert.equal(v.archive.inSeveralBatches, 1);
});

test('an event twice in one archived batch, or archived changed, is reported', () => {
  const objects: ArchiveObject[] = [
    { key: 'raw/a', events: [...archive(ids)[0]!.events, { id: ids[0]!, hash: 'other' }] },
  ];
  const v = compare(sent(), { rows: events.map(row), trackCounts: tracks(ids), deadLetters: 0 }, objects);
  assert.deepEqual(v.archive.duplicatesInBatch, [ids[0]]);
  assert.deepEqual(v.archive.changed, [ids[0]]);
});

test('Retry-After wins over backoff; backoff grows and is capped', () => {
  assert.equal(retryDelayMs('2', 5), 2000);
  assert.equal(retryDelayMs(new Date(11_000).toUTCString(), 0, 10_000), 1000);
  assert.ok(retryDelayMs(null, 0) <= 100);
  assert.ok(retryDelayMs(null, 20) <= 2000 && retryDelayMs(null, 20) >= 1000);
});

test('p99 and max; each round injects every fault once, starting one further on', () => {
  assert.deepEqual(latency(Array.from({ length: 100 }, (_, i) => i + 1)), {
    events: 100,
    maxMs: 100,
    p99Ms: 99,
  });
  const order = faultOrder(2);
  assert.equal(order.length, FAULT_KINDS.length * 2);
  assert.equal(order[FAULT_KINDS.length]!.kind, FAULT_KINDS[1]);
});
