import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientIp, clientUserAgent, contextValue, pageField } from './event-fields.js';
import { envelopeOf } from './test-envelope.js';

test('the event context wins over the batch context, which wins over nothing', () => {
  const envelope = envelopeOf(
    { context: { page: { url: 'https://a.example/' }, locale: null } },
    {
      batchContext: { page: { url: 'https://b.example/', referrer: 'https://r.example/' }, locale: 'de-DE' },
    },
  );
  assert.equal(contextValue(envelope, ['page', 'url']), 'https://a.example/');
  assert.equal(contextValue(envelope, ['page', 'referrer']), 'https://r.example/');
  assert.equal(contextValue(envelope, ['locale']), 'de-DE');
  assert.equal(contextValue(envelope, ['page', 'missing']), undefined);
});

test('IP and User-Agent: the client-sent context value, else what the collector saw', () => {
  const collector = { ip: '81.2.69.142', userAgent: 'curl/8.5.0' };
  assert.equal(clientIp(envelopeOf({}, collector)), '81.2.69.142');
  assert.equal(clientIp(envelopeOf({ context: { ip: '8.8.8.8' } }, collector)), '8.8.8.8');
  assert.equal(clientIp(envelopeOf({ context: { ip: '  ' } }, collector)), '81.2.69.142');
  assert.equal(clientUserAgent(envelopeOf({ context: { userAgent: 'Agent/1' } }, collector)), 'Agent/1');
  assert.equal(clientUserAgent(envelopeOf({})), undefined);
});

test('page fields fall back to properties only on page calls', () => {
  const props = { properties: { url: 'https://p.example/x', referrer: 'https://ref.example/' } };
  assert.equal(pageField(envelopeOf({ type: 'page', ...props }), 'url'), 'https://p.example/x');
  assert.equal(pageField(envelopeOf({ type: 'track', ...props }), 'url'), undefined);
  const both = envelopeOf({ type: 'page', ...props, context: { page: { url: 'https://c.example/' } } });
  assert.equal(pageField(both, 'url'), 'https://c.example/');
});
