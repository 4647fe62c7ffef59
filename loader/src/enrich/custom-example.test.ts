/** The documented example plug-in, loaded through the runner by path as the loader loads it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { dirname, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { createLogger } from '@eventpipe/core';
import { createEnricher } from './runner.js';
import { envelopeOf } from './test-envelope.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../examples/custom-enrichment/app-environment.js', import.meta.url),
);
const log = createLogger('enrich-test', 'silent');

test('the example plug-in loads by absolute and by relative path and adds its columns', async () => {
  const repo = dirname(dirname(dirname(EXAMPLE)));
  for (const spec of [EXAMPLE, `./${relative(repo, EXAMPLE)}`]) {
    const enrich = await createEnricher([spec], log, { cwd: repo });
    const [event] = enrich([envelopeOf({ properties: { environment: 'staging' } })]);
    assert.deepEqual(event?.enriched, { app_environment: 'staging' }, spec);
  }
});

test('the example plug-in: options (validated), e-mail hash, and its errors mark the event', async () => {
  await assert.rejects(
    createEnricher([{ name: EXAMPLE, options: { hashEmail: 'yes' } }], log),
    /enrichment 'app-environment': option hashEmail: Expected boolean/,
  );
  const enrich = await createEnricher(
    [{ name: EXAMPLE, options: { default: 'production', hashEmail: true } }],
    log,
  );
  const [identify, broken] = enrich([
    envelopeOf({ type: 'identify', traits: { email: ' Ada@Example.com ' } }),
    envelopeOf({ type: 'track', context: { traits: { email: 42 } } }),
  ]);
  assert.deepEqual(identify?.enriched, {
    app_environment: 'production',
    email_sha256: createHash('sha256').update('ada@example.com').digest('hex'),
  });
  assert.equal(broken?.enriched, undefined);
  assert.deepEqual(broken?.enrichmentErrors, ['app-environment']);
});
