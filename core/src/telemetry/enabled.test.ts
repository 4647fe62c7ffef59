import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tracesConfigured } from './enabled.js';

test('tracing is on only when the OTEL_* variables name somewhere to send spans', () => {
  assert.equal(tracesConfigured({}), false);
  assert.equal(tracesConfigured({ OTEL_SERVICE_NAME: 'x' }), false);
  assert.equal(tracesConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }), true);
  assert.equal(tracesConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://h/v1/traces' }), true);
  assert.equal(tracesConfigured({ OTEL_TRACES_EXPORTER: 'console' }), true);
  assert.equal(
    tracesConfigured({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h' }),
    false,
  );
  assert.equal(
    tracesConfigured({ OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h' }),
    false,
  );
});
