/**
 * Two batches in flight against the real servers: the loader prepares the next batch while one
 * loads, yet commits them in batch order, so `users` (latest traits by `received_at`, a trait sent
 * only earlier kept) ends as a one-batch-at-a-time loader would leave it, and every event loads once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoader } from '@eventpipe/loader/internal';
import {
  ackFloor,
  configOf,
  countRows,
  envelope,
  publish,
  query,
  settings,
  useServers,
  waitFor,
} from '../e2e/harness.js';
import { testLogger } from '../secrets.js';

const log = testLogger('test');
const suite = useServers();

const USERS = 4;
const EVENTS = 240;
const BATCH = 20;

test('batches in flight commit in order: users keep the latest and the earlier traits', async () => {
  const config = configOf(
    settings(suite.servers, {
      EVENTPIPE_LOADER_BATCH_MAX_EVENTS: String(BATCH),
      EVENTPIPE_LOADER_MAX_BATCHES_IN_FLIGHT: '2',
    }),
  );
  const start = Date.parse('2024-05-01T10:00:00.000Z');
  // Each user is identified in every batch; `plan` is sent only in the first batch, `step` always.
  const envelopes = Array.from({ length: EVENTS }, (_, i) => {
    const userId = `u${i % USERS}`;
    const traits = { step: i, ...(i < BATCH ? { plan: 'trial' } : {}) };
    const e = envelope(`id-${i}`, 'identify', { userId, traits });
    return { ...e, receivedAt: new Date(start + i).toISOString() };
  });
  await publish(suite.nats.nc, config, envelopes);
  const lastSeq = (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;

  const loader = await startLoader(config, log);
  try {
    await waitFor(
      'every batch acked',
      async () => (await ackFloor(suite.nats.jsm, config)) >= lastSeq,
      15_000,
    );
  } finally {
    await loader.close();
  }
  const url = suite.servers.postgres.url;
  assert.deepEqual(await countRows(url, 'web', 'identifies'), { rows: EVENTS, ids: EVENTS });
  const users = await query<{ id: string; step: string; plan: string | null }>(
    url,
    'SELECT id, step, plan FROM web.users ORDER BY id',
  );
  assert.deepEqual(
    users.map((u) => ({ id: u.id, step: Number(u.step), plan: u.plan })),
    Array.from({ length: USERS }, (_, u) => ({ id: `u${u}`, step: EVENTS - USERS + u, plan: 'trial' })),
  );
  const [loads] = await query<{ batches: string }>(url, 'SELECT count(*) AS batches FROM _eventpipe.loads');
  assert.ok(Number(loads!.batches) >= EVENTS / BATCH, `${loads!.batches} batches`);
});
