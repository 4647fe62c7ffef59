import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  checkSelection,
  redriveDeadLetters,
  redriveMessageId,
  redrivePayload,
  type PubAck,
} from './redrive.js';
import type { DeadLetterEntry } from './store.js';
import type { DeadLetterFilter, RedriveRecord } from './sql.js';

const envelope = (messageId: string) =>
  JSON.stringify({
    v: 1,
    sourceId: 'web',
    type: 'identify',
    messageId,
    receivedAt: '2024-05-01T10:00:00.000Z',
    event: { type: 'identify', userId: 'u1', traits: { big: 'BIG' } },
  }).replace('"BIG"', '12345678901234567890'); // a literal a double would round

function entry(id: string, envelopeJson: string, extra: Partial<DeadLetterEntry> = {}): DeadLetterEntry {
  return {
    id,
    origin: 'EVENTS-1',
    streamSequence: Number.parseInt(id, 16),
    sourceId: 'web',
    messageId: `m-${id}`,
    reason: 'load: boom',
    firstFailedAt: '2024-05-01T10:00:00.000Z',
    lastFailedAt: '2024-05-01T10:00:00.000Z',
    attempts: 2,
    envelopeJson,
    ...extra,
  };
}

/** A store over a list of entries, filtering by ids as the SQL does, recording what is marked. */
function fakeStore(entries: DeadLetterEntry[]) {
  const recorded: RedriveRecord[][] = [];
  return {
    recorded,
    async list(filter: DeadLetterFilter = {}) {
      return entries
        .filter((e) => !filter.ids || filter.ids.includes(e.id))
        .filter((e) => filter.includeRedriven || !e.redriven)
        .map((e) => (filter.withEnvelope ? e : { ...e, envelopeJson: undefined }));
    },
    async recordRedrives(records: readonly RedriveRecord[]) {
      recorded.push([...records]);
    },
  };
}

const noS3 = async () => assert.fail('no S3 expected');

test('a selection names the dead letters one way, with well-formed ids', () => {
  assert.throws(() => checkSelection({}), /choose the dead letters/);
  assert.throws(() => checkSelection({ all: true, reason: 'x' }), /choose the dead letters/);
  assert.throws(() => checkSelection({ ids: [] }), /no dead letter ids/);
  assert.throws(() => checkSelection({ ids: ['ABC'] }), /"ABC" is not a dead letter id/);
  assert.throws(() => checkSelection({ reason: '' }), /empty/);
  checkSelection({ ids: ['0123456789ab'] });
  checkSelection({ all: true, sourceId: 'web' });
});

test('the message id of a redrive is stable across repeats and new after another failure', () => {
  assert.equal(redriveMessageId({ id: '0123456789ab', attempts: 2 }), 'eventpipe-redrive:0123456789ab:2');
});

test('the payload is the stored envelope text, unchanged, on its event subject', async () => {
  const json = envelope('m1');
  assert.deepEqual(await redrivePayload(entry('000000000001', json), noS3, 'events'), {
    subject: 'events.web.identify',
    payload: json,
  });
});

test('what cannot go back says why', async () => {
  const gone = await redrivePayload(entry('000000000001', 'null'), noS3, 'events');
  assert.match((gone as { reason: string }).reason, /no longer held the message.*replay it/);
  const text = await redrivePayload(entry('000000000002', '"not json at all"'), noS3, 'events');
  assert.match((text as { reason: string }).reason, /cannot go back .*not an envelope: not an object/);
});

test('a large envelope is fetched from S3 and checked against its recorded hash', async () => {
  const json = envelope('big');
  const reference = (sha256: string) =>
    JSON.stringify({ stored_at: 's3://b/dead-letters/web/x/1.json', bytes: Buffer.byteLength(json), sha256 });
  const fetchStored = async (url: string) => {
    assert.equal(url, 's3://b/dead-letters/web/x/1.json');
    return json;
  };
  const good = createHash('sha256').update(json).digest('hex');
  const payload = await redrivePayload(entry('000000000001', reference(good)), fetchStored, 'events');
  assert.deepEqual(payload, { subject: 'events.web.identify', payload: json });
  await assert.rejects(
    redrivePayload(entry('000000000001', reference('0'.repeat(64))), fetchStored, 'events'),
    /is not the one dead-lettered/,
  );
});

test('redrive publishes, reports progress, and records only what the stream stored', async () => {
  const store = fakeStore([
    entry('000000000001', envelope('m1')),
    entry('000000000002', '"garbage"'),
    entry('000000000003', envelope('m3')),
    entry('000000000004', envelope('m4'), {
      redriven: { at: '2024-05-02T00:00:00.000Z', stream: 'EVENTS', sequence: 5 },
    }),
  ]);
  const published: string[] = [];
  let seq = 100;
  const publish = async (subject: string, payload: string, msgID: string): Promise<PubAck> => {
    published.push(`${subject} ${msgID}`);
    return { stream: 'EVENTS', seq: ++seq, duplicate: false };
  };
  const progress: string[] = [];
  const result = await redriveDeadLetters(
    { ids: ['000000000001', '000000000002', '000000000003', '000000000004', '0000000000ff'] },
    {
      store,
      publish,
      fetchStored: noS3,
      subjectPrefix: 'events',
      chunkSize: 2,
      onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.last.id} ${p.last.outcome}`),
    },
  );
  assert.deepEqual(published, [
    'events.web.identify eventpipe-redrive:000000000001:2',
    'events.web.identify eventpipe-redrive:000000000003:2',
  ]);
  assert.deepEqual(progress, [
    '1/5 0000000000ff not-found',
    '2/5 000000000004 already-redriven',
    '3/5 000000000001 redriven',
    '4/5 000000000002 skipped',
    '5/5 000000000003 redriven',
  ]);
  assert.deepEqual(
    store.recorded.map((chunk) => chunk.map((r) => `${r.streamSequence}→${r.publishedSequence}`)),
    [['1→101'], ['3→102']],
  );
  assert.deepEqual(
    { ...result, outcomes: undefined },
    { selected: 5, redriven: 2, alreadyRedriven: 1, skipped: 1, notFound: 1, outcomes: undefined },
  );
});

test('a publish that fails: what was published before it is recorded, the rest stays pending', async () => {
  const store = fakeStore([entry('000000000001', envelope('m1')), entry('000000000002', envelope('m2'))]);
  let calls = 0;
  const publish = async (): Promise<PubAck> => {
    if (++calls === 2) throw new Error('TIMEOUT');
    return { stream: 'EVENTS', seq: 7, duplicate: false };
  };
  await assert.rejects(
    redriveDeadLetters({ all: true }, { store, publish, fetchStored: noS3, subjectPrefix: 'events' }),
    /TIMEOUT/,
  );
  assert.deepEqual(
    store.recorded.map((chunk) => chunk.map((r) => r.messageId)),
    [['m-000000000001']],
  );
});
