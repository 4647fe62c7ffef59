/**
 * Stream sequences start again at 1 when a stream is re-created: deleted and created again by a
 * person or an operator, or gone with the NATS store (memory storage, a lost volume). New messages
 * then carry the sequences of batches loaded before; they must load all the same, under new batch
 * ids, and the raw archive objects of the old batches must stay as they were.
 */
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { type Config } from '@eventpipe/core';
import { s3ClientConfig, startLoader } from '@eventpipe/loader/internal';
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

/** Every raw archive object: key → its bytes, base64 (to compare before and after). */
async function archive(config: Config): Promise<Map<string, string>> {
  const client = new S3Client(s3ClientConfig(config.s3));
  try {
    const objects = new Map<string, string>();
    const page = await client.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: 'raw/' }));
    for (const { Key } of page.Contents ?? []) {
      const body = await client.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key }));
      objects.set(Key!, Buffer.from(await body.Body!.transformToByteArray()).toString('base64'));
    }
    return objects;
  } finally {
    client.destroy();
  }
}

/** Publishes `ids` and runs a loader until the stream's last message is acked. */
async function loadAll(config: Config, ids: string[]): Promise<void> {
  await publish(
    suite.nats.nc,
    config,
    ids.map((id) => envelope(id)),
  );
  const last = (await suite.nats.jsm.streams.info(config.nats.stream)).state.last_seq;
  const loader = await startLoader(config, log);
  try {
    await waitFor('every message acked', async () => (await ackFloor(suite.nats.jsm, config)) >= last);
  } finally {
    await loader.close();
  }
}

async function loadedIds(): Promise<string[]> {
  const rows = await query<{ id: string }>(
    suite.servers.postgres.url,
    'SELECT id FROM web.tracks ORDER BY id',
  );
  return rows.map((r) => r.id);
}

const ids = (prefix: string) => Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`);

test('a deleted and re-created stream: the new messages (same sequences) all load; old archive objects untouched', async () => {
  const config = configOf(settings(suite.servers));
  await loadAll(config, ids('first'));
  const before = await archive(config);
  assert.equal(before.size, 1);

  await suite.nats.jsm.streams.delete(config.nats.stream);
  await loadAll(config, ids('second')); // `publish` creates the stream again: sequences 1-5 again

  assert.deepEqual(await loadedIds(), [...ids('first'), ...ids('second')].sort());
  const after = await archive(config);
  assert.equal(after.size, 2, 'one archive object per stream');
  for (const [key, body] of before) assert.equal(after.get(key), body, `${key} unchanged`);
  const batches = await query<{ batch_id: string }>(
    suite.servers.postgres.url,
    'SELECT batch_id FROM _eventpipe.loads ORDER BY committed_at',
  );
  assert.equal(batches.length, 2);
  assert.match(batches[0]!.batch_id, /^EVENTS-\d{8}T\d+Z-s000000000001-000000000005-[0-9a-f]{16}$/);
  assert.notEqual(batches[0]!.batch_id, batches[1]!.batch_id);
});

test('a wiped NATS store and a restarted nats-server: the new messages all load', async () => {
  const config = configOf(settings(suite.servers));
  const loadedBefore = (await countRows(suite.servers.postgres.url, 'web', 'tracks')).rows;
  await loadAll(config, ids('third'));
  await suite.servers.nats.stop();
  rmSync(suite.servers.nats.storeDir, { recursive: true, force: true });
  await suite.servers.nats.start();
  await waitFor('the client to reconnect', async () => {
    await suite.nats.jsm.getAccountInfo();
    return true;
  });
  await loadAll(config, ids('fourth'));
  assert.deepEqual(await countRows(suite.servers.postgres.url, 'web', 'tracks'), {
    rows: loadedBefore + 10,
    ids: loadedBefore + 10,
  });
});
