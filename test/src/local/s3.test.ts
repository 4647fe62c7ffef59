/**
 * The local S3 server (`eventpipe dev`, the tests) lists an archive longer than one page. s3rver
 * makes continuation tokens with DES, which OpenSSL 3 refuses, so every listing past one page
 * failed with an internal error (replay of a dev archive of over 1,000 objects, the chaos suite's
 * long schedule) until patches/s3rver+3.7.1.patch, applied by `npm install`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '@eventpipe/core';
import { s3ClientConfig } from '@eventpipe/loader/internal';
import { S3RVER_CREDENTIALS, startS3 } from '@eventpipe/local';

test('a listing past one page goes on from its continuation token to the last key', async () => {
  const s3 = await startS3({ bucket: 'pages' });
  const config = loadConfig({
    EVENTPIPE_S3_ENDPOINT: s3.url,
    EVENTPIPE_S3_FORCE_PATH_STYLE: 'true',
    EVENTPIPE_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    EVENTPIPE_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    EVENTPIPE_S3_BUCKET: 'pages',
  });
  const client = new S3Client(s3ClientConfig(config.s3));
  try {
    const keys = ['raw/a', 'raw/b', 'raw/c', 'raw/d', 'raw/e'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: 'pages', Key: key, Body: key }));
    const listed: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: 'pages', Prefix: 'raw/', MaxKeys: 2, ContinuationToken: token }),
      );
      pages += 1;
      listed.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    assert.deepEqual(listed, keys);
    assert.equal(pages, 3);
  } finally {
    client.destroy();
    await s3.dispose();
  }
});
