/** Real landing-page URLs of ad and e-mail campaigns. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnrichFunction } from '../types.js';
import { campaign } from './campaign.js';
import { envelopeOf } from '../test-envelope.js';

function fieldsFor(
  run: EnrichFunction,
  url: string,
  sent?: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const context = { page: { url }, ...(sent && { campaign: sent }) };
  return run(envelopeOf({ type: 'track', event: 'Product Viewed', context }), { fields: {} });
}

test('campaign: utm_* parameters, utm_campaign as name, and click ids', async () => {
  const run = await campaign.create({ clickIds: [] });
  assert.deepEqual(
    fieldsFor(
      run,
      'https://shop.example.com/sale?utm_source=google&utm_medium=cpc&utm_campaign=spring_sale_2026&utm_term=running%20shoes&utm_content=ad_b&utm_id=123&gclid=Cj0KCQiA2KitBhCIARIsAPPMEhI',
    ),
    {
      context_campaign_source: 'google',
      context_campaign_medium: 'cpc',
      context_campaign_name: 'spring_sale_2026',
      context_campaign_term: 'running shoes',
      context_campaign_content: 'ad_b',
      context_campaign_id: '123',
      context_campaign_gclid: 'Cj0KCQiA2KitBhCIARIsAPPMEhI',
    },
  );
  assert.deepEqual(
    fieldsFor(
      run,
      'https://shop.example.com/?fbclid=IwZXh0bgNhZW0CMTEAAR2xyz_aem_AbC&UTM_Source=facebook&utm_medium=paid_social',
    ),
    {
      context_campaign_fbclid: 'IwZXh0bgNhZW0CMTEAAR2xyz_aem_AbC',
      context_campaign_source: 'facebook',
      context_campaign_medium: 'paid_social',
    },
  );
  assert.deepEqual(fieldsFor(run, 'https://shop.example.com/?msclkid=0a1b2c3d4e5f&ttclid=E.C.P.xyz'), {
    context_campaign_msclkid: '0a1b2c3d4e5f',
    context_campaign_ttclid: 'E.C.P.xyz',
  });
});

test('campaign: what the client sent in context.campaign is never overridden', async () => {
  const run = await campaign.create({ clickIds: [] });
  const fields = fieldsFor(
    run,
    'https://shop.example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=march',
    { source: 'Newsletter (client)', name: 'March issue' },
  );
  assert.deepEqual(fields, { context_campaign_medium: 'email' });
});

test('campaign: empty values, unrelated parameters and pages without a query give no fields', async () => {
  const run = await campaign.create({ clickIds: [] });
  assert.equal(fieldsFor(run, 'https://shop.example.com/?utm_source=&page=2&ref=abc'), undefined);
  assert.equal(fieldsFor(run, 'https://shop.example.com/products'), undefined);
  assert.equal(run(envelopeOf({ type: 'identify' }), { fields: {} }), undefined);
});

test('campaign: page calls use properties.url; context.page.search works without a url; extra click ids', async () => {
  const run = await campaign.create({ clickIds: ['kclid'] });
  const page = envelopeOf({
    type: 'page',
    properties: { url: 'https://shop.example.com/?utm_source=bing&kclid=k1' },
  });
  assert.deepEqual(run(page, { fields: {} }), {
    context_campaign_source: 'bing',
    context_campaign_kclid: 'k1',
  });
  const searchOnly = envelopeOf({ context: { page: { search: '?utm_medium=social' } } });
  assert.deepEqual(run(searchOnly, { fields: {} }), { context_campaign_medium: 'social' });
});
