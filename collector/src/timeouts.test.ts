import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverTimeouts } from './timeouts.js';

test('serverTimeouts: the configured deadlines, checked often enough to matter', () => {
  assert.deepEqual(
    serverTimeouts({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000 }),
    {
      requestTimeout: 30_000,
      keepAliveTimeout: 72_000,
      http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
    },
  );
  // A header deadline past the request's is cut to it (Node would refuse it), and a short one is
  // checked a few times within its span.
  assert.deepEqual(
    serverTimeouts({ headersTimeoutMs: 5_000, requestTimeoutMs: 400, keepAliveTimeoutMs: 100 }).http,
    {
      headersTimeout: 400,
      connectionsCheckingInterval: 100,
    },
  );
});
