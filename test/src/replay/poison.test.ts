/**
 * Replay isolates a poison message the way the loader does (the same `loadIsolating`): the batch is
 * split until the message stands alone, every other event of the batch loads, and the poison one is
 * stored as a dead letter keyed by its archive object and line. Real S3 (s3rver) and PostgreSQL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfig, type Config, type Envelope } from '@eventpipe/core';
import { createStager, replayArchive, s3ClientConfig, transform } from '@eventpipe/loader/internal';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '@eventpipe/local';
import { usePostgresWarehouse } from '../load/harness.js';
import { testLogger } from '../secrets.js';

const log = testLogger('test');
const suite = usePostgresWarehouse();
let s3server: S3Server;
let config: Config;

before(async () => {
  s3server = await startS3();
  config = loadConfig({
    EVENTPIPE_S3_ENDPOINT: s3server.url,
    EVENTPIPE_S3_FORCE_PATH_STYLE: 'true',
    EVENTPIPE_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    EVENTPIPE_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  });
});
after(() => s3server?.dispose());

const DAY = '2024-05-01';

function envelope(messageId: string): Envelope {
  const at = `${DAY}T10:00:00.000Z`;
  return {
    v: 1,
    sourceId: 'web',
    type: 'track',
    messageId,
    receivedAt: at,
    sentAt: at,
    event: { type: 'track', event: 'Clicked', userId: 'u1', messageId, timestamp: at },
  };
}

test('a poison message in a replay batch: the rest loads, it becomes a dead letter', async () => {
  const ids = ['a', 'b', 'poison-1', 'c', 'd', 'e', 'f'];
  const stager = createStager(config.s3, log);
  const s3 = new S3Client(s3ClientConfig(config.s3));
  try {
    await stager.ensureBucket();
    const [key] = await stager.stageRaw('archived-batch', [
      {
        sourceId: 'web',
        receivedAt: `${DAY}T10:00:00.000Z`,
        lines: ids.map((id) => Buffer.from(JSON.stringify(envelope(id)))),
      },
    ]);
    const summary = await replayArchive(
      { sourceId: 'web', from: DAY, to: DAY, dryRun: false, mode: 'append', batchMaxEvents: 100 },
      {
        s3,
        bucket: config.s3.bucket,
        prefix: config.s3.prefix,
        // An enrichment that fails on one event, every time: a permanent failure of a pure step.
        enrich: (envelopes) => {
          const poison = envelopes.find((e) => e.messageId.startsWith('poison'));
          if (poison) throw new Error(`cannot enrich ${poison.messageId}`);
          return envelopes.map((e) => ({ envelope: e }));
        },
        transform,
        warehouse: { ...suite.warehouse, isPermanentError: () => false },
        log,
        stager,
      },
    );
    assert.equal(summary.deadLetters, 1);
    const loaded = await suite.db.query<{ id: string }>('SELECT id FROM web.tracks ORDER BY id');
    assert.deepEqual(
      loaded.rows.map((r) => r.id),
      ['a', 'b', 'c', 'd', 'e', 'f'],
    );
    const dead = await suite.db.query(
      'SELECT origin, stream_sequence::int AS line, message_id, reason FROM _eventpipe.dead_letters',
    );
    assert.deepEqual(dead.rows, [
      { origin: key, line: 3, message_id: 'poison-1', reason: 'enrich: cannot enrich poison-1' },
    ]);
  } finally {
    stager.close();
    s3.destroy();
  }
});
