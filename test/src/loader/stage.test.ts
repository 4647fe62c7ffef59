/**
 * Staging against a real S3 API server (s3rver): bucket creation, the key layout, content intact
 * (no aws-chunked framing), and a redelivered batch overwriting its own objects.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { loadConfig, type Config } from '@eventpipe/core';
import { createStager, rawKey, s3ClientConfig } from '@eventpipe/loader/internal';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '@eventpipe/local';
import { s3Lines } from '../e2e/harness.js';
import { testLogger } from '../secrets.js';

let s3: S3Server;
let config: Config;

before(async () => {
  s3 = await startS3();
  config = loadConfig({
    EVENTPIPE_S3_ENDPOINT: s3.url,
    EVENTPIPE_S3_FORCE_PATH_STYLE: 'true',
    EVENTPIPE_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    EVENTPIPE_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    EVENTPIPE_S3_BUCKET: 'archive',
    EVENTPIPE_S3_PREFIX: 'pipelines/prod',
  });
});
after(() => s3.dispose());

test('raw keys partition by the first envelope hour (UTC) and sort by batch id', () => {
  assert.equal(
    rawKey('p/', 'web', '2024-05-01T23:59:59.999+02:00', 's1-2-h'),
    'p/raw/web/dt=2024-05-01/hh=21/s1-2-h.ndjson.gz',
  );
  assert.equal(rawKey('', 'web', '2024-05-01T00:00:00Z', 'b'), 'raw/web/dt=2024-05-01/hh=00/b.ndjson.gz');
});

test('stages raw envelopes and rows, intact, under the prefix; a redelivered batch overwrites them', async () => {
  const stager = createStager(config.s3, testLogger('test'));
  try {
    await stager.ensureBucket();
    await stager.ensureBucket(); // idempotent
    // Big enough to be streamed in several chunks: corrupt framing would show in the lines.
    const lines = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify({ messageId: `m${i}`, text: 'x'.repeat(i % 200), quote: 'a "b"\\n' }),
    );
    const groups = [
      { sourceId: 'web', receivedAt: '2024-05-01T10:00:00Z', lines: lines.map((l) => Buffer.from(l)) },
    ];
    const sources = [
      {
        sourceId: 'web',
        schema: 'web',
        tables: [
          {
            table: 'tracks',
            mode: 'append' as const,
            columns: [{ name: 'id', type: 'text' as const }],
            rows: [{ id: 'm1' }, { id: 'm2' }],
          },
        ],
      },
    ];
    for (let delivery = 0; delivery < 2; delivery++) {
      assert.deepEqual(await stager.stageRaw('s1-3000-h', groups), [
        'pipelines/prod/raw/web/dt=2024-05-01/hh=10/s1-3000-h.ndjson.gz',
      ]);
      assert.deepEqual(await stager.stageRows('s1-3000-h', sources), {
        'web.tracks': 'pipelines/prod/load/web/tracks/s1-3000-h.ndjson.gz',
      });
    }
    assert.deepEqual(await s3Lines(config, 'pipelines/prod/raw/'), lines);
    assert.deepEqual(
      (await s3Lines(config, 'pipelines/prod/load/')).map((l) => JSON.parse(l) as unknown),
      [{ id: 'm1' }, { id: 'm2' }],
    );
    const client = new S3Client(s3ClientConfig(config.s3));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'archive' }));
    client.destroy();
    assert.equal(listed.KeyCount, 2, 'the second delivery rewrote the same two objects');
  } finally {
    stager.close();
  }
});

test('loaders starting together all get the bucket: none fails on the one that created it first', async () => {
  const shared = { ...config.s3, bucket: 'created-at-once' };
  const stagers = Array.from({ length: 4 }, () => createStager(shared, testLogger('test')));
  try {
    const outcomes = await Promise.allSettled(stagers.map((stager) => stager.ensureBucket()));
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status)),
      ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
  } finally {
    for (const stager of stagers) stager.close();
  }
});

test('staging fails (for the runner to retry) while S3 is down, and works again after', async () => {
  const stager = createStager(config.s3, testLogger('test'));
  try {
    await stager.ensureBucket();
    await s3.stop();
    const groups = [{ sourceId: 'web', receivedAt: '2024-05-01T10:00:00Z', lines: [Buffer.from('{}')] }];
    await assert.rejects(stager.stageRaw('s9-9-h', groups));
    await s3.start();
    assert.equal((await stager.stageRaw('s9-9-h', groups)).length, 1);
  } finally {
    stager.close();
  }
});
