import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { startHealthServer } from './health-server.js';

test('the health server answers the probes in the one health shape', async () => {
  let notLive: string | undefined;
  let notReady: string | undefined = 'starting';
  const server = await startHealthServer(
    '127.0.0.1',
    0,
    { notLive: () => notLive, notReady: () => notReady },
    new Registry(),
  );
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return [response.status, await response.json()];
  };
  try {
    assert.deepEqual(await get('/health/live'), [200, { status: 'live' }]);
    assert.deepEqual(await get('/health/ready'), [503, { status: 'not ready', reason: 'starting' }]);
    notReady = undefined;
    assert.deepEqual(await get('/health/ready'), [200, { status: 'ready' }]);
    notLive = 'the batch loop stopped';
    assert.deepEqual(await get('/health/live'), [
      503,
      { status: 'not live', reason: 'the batch loop stopped' },
    ]);
  } finally {
    await server.close();
  }
});
