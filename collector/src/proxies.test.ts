import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isProxyEntry, trustedProxies } from './proxies.js';

test('trusted proxies: addresses, CIDR ranges and named ranges; anything else names the variable', () => {
  for (const good of ['10.0.0.1', '10.0.0.0/8', '10.0.0.0/255.0.0.0', '::1', 'fd00::/8', 'loopback'])
    assert.ok(isProxyEntry(good), good);
  for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0', 'proxy.local', '10.0.0.0/8/1', '::1/255.0.0.0'])
    assert.ok(!isProxyEntry(bad), bad);
  assert.equal(trustedProxies([]), false);
  assert.deepEqual(trustedProxies(['10.0.0.0/8']), ['10.0.0.0/8']);
  assert.throws(() => trustedProxies(['10.0.0.1', 'proxy.local']), {
    name: 'ConfigError',
    message: /^EVENTPIPE_COLLECTOR_TRUSTED_PROXIES: "proxy.local" is not an IP address/,
  });
});
