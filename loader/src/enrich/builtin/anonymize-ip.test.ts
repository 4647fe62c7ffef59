import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anonymizeIp } from './anonymize-ip.js';
import { envelopeOf } from '../test-envelope.js';

test('anonymize-ip: replaces context_ip with the truncated address of context.ip or the collector IP', async () => {
  const run = await anonymizeIp.create({});
  assert.deepEqual(run(envelopeOf({}, { ip: '81.2.69.142' }), { fields: {} }), { context_ip: '81.2.69.0' });
  assert.deepEqual(
    run(envelopeOf({ context: { ip: '2a02:cf40:1:2:3:4:5:6' } }, { ip: '81.2.69.142' }), { fields: {} }),
    {
      context_ip: '2a02:cf40:1::',
    },
  );
});

test('anonymize-ip: an address it cannot truncate is cleared, not loaded whole; no address, no fields', async () => {
  const run = await anonymizeIp.create({});
  assert.deepEqual(run(envelopeOf({ context: { ip: '81.2.69.142, 10.0.0.1' } }), { fields: {} }), {
    context_ip: null,
  });
  assert.equal(run(envelopeOf({}), { fields: {} }), undefined);
});

test('anonymize-ip declares that it runs after geoip', () => {
  assert.deepEqual(anonymizeIp.after, ['geoip']);
});
