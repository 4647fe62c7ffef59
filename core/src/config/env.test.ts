import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, envName, listSettings, requireSetting, ConfigError } from './env.js';
import { holdsSecret } from './secrets.js';

test('env var names follow the schema path', () => {
  assert.equal(envName(['collector', 'maxEventBytes']), 'EVENTPIPE_COLLECTOR_MAX_EVENT_BYTES');
  const names = listSettings().map((s) => s.env);
  assert.ok(names.includes('EVENTPIPE_NATS_URL'));
  assert.ok(names.includes('EVENTPIPE_SOURCES'));
  assert.ok(names.includes('EVENTPIPE_LOADER_BATCH_MAX_AGE_MS'));
});

test('defaults fill every section when nothing is set', () => {
  const config = loadConfig({});
  assert.equal(config.collector.port, 8080);
  assert.equal(config.collector.maxBatchEvents, 2500);
  assert.equal(config.nats.stream, 'EVENTS');
  assert.deepEqual(config.sources, []);
});

test('values are coerced by their schema type', () => {
  const config = loadConfig({
    EVENTPIPE_COLLECTOR_PORT: '9000',
    EVENTPIPE_NATS_MANAGE_STREAM: 'false',
    EVENTPIPE_COLLECTOR_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.0/8',
    EVENTPIPE_LOADER_ENRICHMENTS: '["user-agent",{"name":"geoip","options":{"locale":"de"}}]',
  });
  assert.equal(config.collector.port, 9000);
  assert.equal(config.nats.manageStream, false);
  assert.deepEqual(config.collector.trustedProxies, ['10.0.0.1', '10.0.0.0/8']);
  assert.deepEqual(config.loader.enrichments, ['user-agent', { name: 'geoip', options: { locale: 'de' } }]);
  assert.deepEqual(loadConfig({ EVENTPIPE_LOADER_ENRICHMENTS: 'user-agent, campaign' }).loader.enrichments, [
    'user-agent',
    'campaign',
  ]);
});

test('sources come as shorthand or JSON', () => {
  const short = loadConfig({ EVENTPIPE_SOURCES: 'web:key-web-1,app:key-app-1,web:key-web-2' });
  assert.deepEqual(short.sources, [
    { id: 'web', writeKeys: ['key-web-1', 'key-web-2'] },
    { id: 'app', writeKeys: ['key-app-1'] },
  ]);
  const json = loadConfig({ EVENTPIPE_SOURCES: '[{"id":"web","writeKeys":["key-web-1"]}]' });
  assert.deepEqual(json.sources, [{ id: 'web', writeKeys: ['key-web-1'] }]);
});

test('bad values stop start-up naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ EVENTPIPE_COLLECTOR_PORT: 'abc' }, /EVENTPIPE_COLLECTOR_PORT: "abc" is not a number/],
    [{ EVENTPIPE_COLLECTOR_PORT: '70000' }, /EVENTPIPE_COLLECTOR_PORT \(collector.port\)/],
    [{ EVENTPIPE_NATS_MANAGE_STREAM: 'maybe' }, /EVENTPIPE_NATS_MANAGE_STREAM: "maybe" is not a boolean/],
    [{ EVENTPIPE_SOURCES: 'Web:key-web-1' }, /EVENTPIPE_SOURCES \(sources.0.id\)/],
    [{ EVENTPIPE_SOURCES: 'web' }, /EVENTPIPE_SOURCES: entry 1 of 1 is not "sourceId:writeKey"/],
    [{ EVENTPIPE_SOURCES: '[{' }, /EVENTPIPE_SOURCES: not valid JSON/],
    [{ EVENTPIPE_SOURCES: 'web:key-shared,app:key-shared' }, /shared by sources web and app/],
    [{ EVENTPIPE_WAREHOUSE_KIND: 'bigquery' }, /EVENTPIPE_WAREHOUSE_KIND/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => loadConfig(env),
      (error: Error) => error instanceof ConfigError && message.test(error.message),
    );
  }
});

const SECRET_MARKER = 'hunter2-sekrit';

/** Every way a secret setting's value can be wrong, each carrying the marker. */
function badSecretInputs(path: string): { env: Record<string, string>; overrides: object }[] {
  if (path === 'sources') {
    return [
      `[{"id":"web","writeKeys":["${SECRET_MARKER}"]}`,
      `[{"id":"web","writeKeys":["${SECRET_MARKER}"] x}]`,
      `[${SECRET_MARKER}]`,
      `["${SECRET_MARKER}"]`,
      `[{"id":"web","writeKeys":"${SECRET_MARKER}"}]`,
      `[{"id":"web","writeKeys":["${SECRET_MARKER}", 1]}]`,
      `[{"id":"web","writeKeys":["${SECRET_MARKER}"],"otherKeys":["${SECRET_MARKER}"]}, 7]`,
      `[{"id":"Web","writeKeys":["${SECRET_MARKER}"]}]`,
      `[{"id":"web","writeKeys":["${SECRET_MARKER.slice(0, 7)}"]}]`,
      `${SECRET_MARKER}`,
      `web:${SECRET_MARKER},${SECRET_MARKER}`,
      `Web:${SECRET_MARKER}`,
    ].map((value) => ({ env: { EVENTPIPE_SOURCES: value }, overrides: {} }));
  }
  // String settings take any text from the environment; a wrongly typed override is what fails.
  const nested = (value: unknown) =>
    path.split('.').reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as object;
  return [{ leaked: SECRET_MARKER }, [SECRET_MARKER], 7].map((value) => ({
    env: {},
    overrides: nested(value),
  }));
}

test('secret settings are the ones marked in the schema', () => {
  assert.deepEqual(
    listSettings()
      .filter((setting) => holdsSecret(setting.schema))
      .map((setting) => setting.env),
    [
      'EVENTPIPE_SOURCES',
      'EVENTPIPE_NATS_PASSWORD',
      'EVENTPIPE_NATS_TOKEN',
      'EVENTPIPE_S3_ACCESS_KEY_ID',
      'EVENTPIPE_S3_SECRET_ACCESS_KEY',
      'EVENTPIPE_WAREHOUSE_URL',
      'EVENTPIPE_CONSOLE_ADMIN_TOKEN',
    ],
  );
});

test('config errors name a secret setting but never show its value', () => {
  for (const setting of listSettings().filter((s) => holdsSecret(s.schema))) {
    for (const { env, overrides } of badSecretInputs(setting.path)) {
      assert.throws(
        () => loadConfig(env, overrides),
        (error: Error) => {
          assert.ok(error instanceof ConfigError, error.message);
          assert.ok(error.message.includes(setting.env), error.message);
          assert.ok(!error.message.includes(SECRET_MARKER.slice(0, 7)), error.message);
          return true;
        },
        JSON.stringify({ env, overrides }),
      );
    }
  }
});

test('a redacted error still shows the parts that are not secret', () => {
  assert.throws(
    () => loadConfig({ EVENTPIPE_SOURCES: `[{"id":"web"}, {"id":"Web","writeKeys":["${SECRET_MARKER}"]}]` }),
    {
      message: /EVENTPIPE_SOURCES \(sources.0.writeKeys\)/,
    },
  );
  assert.throws(() => loadConfig({ EVENTPIPE_SOURCES: `[{"id":"web","writeKeys":"${SECRET_MARKER}"}]` }), {
    message: /got "\[redacted\]"/,
  });
  assert.throws(() => loadConfig({ EVENTPIPE_SOURCES: `[{"id":"web","writeKeys":["${SECRET_MARKER}"]}` }), {
    message: /EVENTPIPE_SOURCES: not valid JSON \(at character \d+\)/,
  });
});

test('overrides sit under env vars', () => {
  const config = loadConfig(
    { EVENTPIPE_COLLECTOR_PORT: '9001' },
    { collector: { port: 7000, host: '127.0.0.1' } },
  );
  assert.equal(config.collector.port, 9001);
  assert.equal(config.collector.host, '127.0.0.1');
});

test('requireSetting names the variable to set', () => {
  assert.throws(() => requireSetting(undefined, ['warehouse', 'url'], 'the loader writes there'), {
    message: 'EVENTPIPE_WAREHOUSE_URL is required: the loader writes there',
  });
  assert.equal(requireSetting('x', ['warehouse', 'url'], ''), 'x');
});
