import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { loadConfig } from '../config/env.js';
import { BYTES_PATTERN, EventPipelineSpecSchema, type EventPipelineSpec } from './spec.js';
import {
  configEnvironment,
  parseByteQuantity,
  parseDuration,
  pipelineConfig,
  SECRET_SETTINGS,
} from './runtime.js';
import { envName } from '../config/env.js';

const spec = Value.Default(EventPipelineSpecSchema, {
  nats: { url: 'nats://nats.nats:4222', stream: { name: 'WEB', maxAge: '72h', maxBytes: '50Gi' } },
  sources: [{ name: 'web', writeKeySecretRef: { name: 'keys', key: 'web' } }],
  collector: { trustedProxies: ['10.0.0.0/8'], limits: { maxEventBytes: 65536 } },
  loader: { batch: { maxEvents: 5000, maxAge: '2s' } },
  staging: { s3: { bucket: 'events-raw', prefix: 'prod/', region: 'eu-west-1' } },
  warehouse: {
    type: 'redshift',
    connectionSecretRef: { name: 'rs', key: 'url' },
    redshift: { iamRole: 'arn:aws:iam::123456789012:role/copy' },
  },
  enrichments: [{ name: 'user-agent' }, { name: 'geoip', options: { databasePath: '/data/City.mmdb' } }],
}) as EventPipelineSpec;

test("the ConfigMap variables, plus the secret ones, load back into the spec's config", () => {
  const expected = pipelineConfig(spec);
  const env = {
    ...configEnvironment(expected),
    EVENTPIPE_SOURCES: 'web:a-write-key-1',
    EVENTPIPE_WAREHOUSE_URL: 'postgres://u:p@rs:5439/db',
  };
  const loaded = loadConfig(env);
  assert.deepEqual(loaded, {
    ...expected,
    sources: [{ id: 'web', writeKeys: ['a-write-key-1'] }],
    warehouse: { ...expected.warehouse, url: 'postgres://u:p@rs:5439/db' },
  });
  assert.equal(loaded.nats.maxAgeSeconds, 72 * 3600);
  assert.equal(loaded.nats.maxBytes, 50 * 2 ** 30);
  assert.equal(loaded.nats.manageStream, false, 'the operator owns the stream on Kubernetes');
  assert.equal(loaded.loader.batchMaxAgeMs, 2000);
  assert.equal(loaded.collector.maxEventBytes, 65536);
  assert.equal(loaded.warehouse.iamRole, 'arn:aws:iam::123456789012:role/copy');
  assert.deepEqual(loaded.loader.enrichments, [
    'user-agent',
    { name: 'geoip', options: { databasePath: '/data/City.mmdb' } },
  ]);
});

test('no secret setting and no operator setting is written to the ConfigMap variables', () => {
  const env = configEnvironment({
    ...pipelineConfig(spec),
    nats: { ...pipelineConfig(spec).nats, password: 'hunter22', token: 'tok' },
    s3: { ...pipelineConfig(spec).s3, accessKeyId: 'AKIA', secretAccessKey: 'shh' },
    warehouse: { ...pipelineConfig(spec).warehouse, url: 'postgres://u:secret@h/db' },
    sources: [{ id: 'web', writeKeys: ['write-key-1'] }],
  });
  for (const path of SECRET_SETTINGS) assert.equal(env[envName(path.split('.'))], undefined, path);
  assert.doesNotMatch(JSON.stringify(env), /hunter22|tok"|AKIA|shh|secret|write-key-1/);
  assert.ok(!Object.keys(env).some((k) => k.startsWith('EVENTPIPE_OPERATOR_')));
});

const safeBytes = (text: string) => {
  try {
    return parseByteQuantity(text);
  } catch {
    return NaN;
  }
};

test('durations and byte quantities parse as Kubernetes writes them, and nothing else', () => {
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('0s'), 0);
  for (const bad of ['', '10', '5 m', '1d', 'h1', '1h-']) assert.throws(() => parseDuration(bad), /duration/);
  assert.equal(parseByteQuantity('512Mi'), 512 * 2 ** 20);
  assert.equal(parseByteQuantity('2G'), 2e9);
  assert.equal(parseByteQuantity('1024'), 1024);
  for (const bad of ['', '1Gb', '-1', 'Mi', '1 Gi']) assert.throws(() => parseByteQuantity(bad), /quantity/);
  // The CRD admits a size exactly when it can be parsed.
  const bytes = new RegExp(BYTES_PATTERN);
  for (const size of ['512Mi', '2G', '1024', '1.5Gi', '500m', '1e3', '-1', '1Gb']) {
    assert.equal(bytes.test(size), !Number.isNaN(safeBytes(size)), size);
  }
});

test('URLs that reach the ConfigMap cannot carry credentials', () => {
  const withUrl = (nats: string, endpoint: string, otlp: string) => ({
    ...spec,
    nats: { ...spec.nats, url: nats },
    staging: { s3: { ...spec.staging.s3, endpoint } },
    telemetry: { ...spec.telemetry, otlpEndpoint: otlp },
  });
  assert.ok(
    Value.Check(
      EventPipelineSpecSchema,
      withUrl('nats://a:4222,nats://b:4222', 'http://minio:9000', 'http://otel:4318'),
    ),
  );
  const rejected = (value: unknown) => [...Value.Errors(EventPipelineSpecSchema, value)].map((e) => e.path);
  assert.deepEqual(rejected(withUrl('nats://user:pw@nats:4222', 'http://minio:9000', 'http://otel:4318')), [
    '/nats/url',
  ]);
  assert.deepEqual(
    rejected(withUrl('nats://nats:4222', 'http://key:secret@minio:9000', 'http://otel:4318')),
    ['/staging/s3/endpoint'],
  );
  assert.deepEqual(rejected(withUrl('nats://nats:4222', 'http://minio:9000', 'http://t@otel:4318')), [
    '/telemetry/otlpEndpoint',
  ]);
});

test("warehouse.arrays: text by default, native when the spec says so, as the loaders' setting", () => {
  assert.equal(pipelineConfig(spec).warehouse.arrays, 'text');
  const native = { ...spec, warehouse: { ...spec.warehouse, arrays: 'native' as const } };
  assert.ok(Value.Check(EventPipelineSpecSchema, native));
  assert.ok(
    !Value.Check(EventPipelineSpecSchema, { ...spec, warehouse: { ...spec.warehouse, arrays: 'jsonb' } }),
  );
  const env = configEnvironment(pipelineConfig(native));
  assert.equal(env[envName(['warehouse', 'arrays'])], 'native');
  assert.equal(loadConfig({ ...env, EVENTPIPE_WAREHOUSE_URL: 'postgres://h/db' }).warehouse.arrays, 'native');
});
