import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventPipelineSpec } from '@eventpipe/core';
import { missingSecrets, secretReferences } from './secrets.js';

const spec = {
  nats: { url: 'nats://nats:4222', credentialsSecretRef: { name: 'nats-creds' } },
  sources: [
    { name: 'web', writeKeySecretRef: { name: 'write-keys', key: 'web' } },
    { name: 'ios', writeKeySecretRef: { name: 'write-keys', key: 'ios' } },
  ],
  staging: { s3: { bucket: 'events', credentialsSecretRef: { name: 's3' } } },
  warehouse: { type: 'postgres', connectionSecretRef: { name: 'warehouse', key: 'url' } },
  console: { enabled: false, adminTokenSecretRef: { name: 'console', key: 'token' } },
} as unknown as EventPipelineSpec;

test('every Secret reference of the spec, with the key the pods require and the field naming it', () => {
  assert.deepEqual(secretReferences(spec), [
    { secret: 'write-keys', key: 'web', field: 'spec.sources[web].writeKeySecretRef' },
    { secret: 'write-keys', key: 'ios', field: 'spec.sources[ios].writeKeySecretRef' },
    { secret: 'warehouse', key: 'url', field: 'spec.warehouse.connectionSecretRef' },
    { secret: 's3', key: 'AWS_ACCESS_KEY_ID', field: 'spec.staging.s3.credentialsSecretRef' },
    { secret: 's3', key: 'AWS_SECRET_ACCESS_KEY', field: 'spec.staging.s3.credentialsSecretRef' },
    { secret: 'nats-creds', field: 'spec.nats.credentialsSecretRef' },
  ]);
});

test("the console's admin token is referenced while the console is enabled", () => {
  const enabled = { ...spec, console: { ...spec.console, enabled: true } };
  assert.deepEqual(secretReferences(enabled).at(-2), {
    secret: 'console',
    key: 'token',
    field: 'spec.console.adminTokenSecretRef',
  });
});

test('missing: an absent Secret, or a present one without the key; an empty NATS Secret is enough', () => {
  const refs = secretReferences(spec);
  const found = new Map([
    ['write-keys', ['web']],
    ['warehouse', ['url']],
    ['nats-creds', []],
  ]);
  assert.deepEqual(
    missingSecrets(refs, found).map((m) => [m.secret, m.key, m.secretExists]),
    [
      ['write-keys', 'ios', true],
      ['s3', 'AWS_ACCESS_KEY_ID', false],
      ['s3', 'AWS_SECRET_ACCESS_KEY', false],
    ],
  );
  found.set('write-keys', ['web', 'ios']);
  found.set('s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  assert.deepEqual(missingSecrets(refs, found), []);
});
