/**
 * The same four identifies of one user, loaded in every batching and order the pipeline can produce
 * (issue 11 item 6), for the warehouse suites: each scenario loads into its own source's schema, and
 * every schema's `users` row must be the same, holding each trait's latest value.
 */
import type { Envelope, SegmentEvent } from '@eventpipe/core';
import type { LoadBatch, Warehouse } from '@eventpipe/loader/internal';

const T0 = '2024-06-01T09:59:59.000Z';
const T1 = '2024-06-01T10:00:00.000Z';
const T2 = '2024-06-01T10:00:01.000Z';

function identify(sourceId: string, messageId: string, receivedAt: string, traits: SegmentEvent['traits']) {
  const event: SegmentEvent = { type: 'identify', messageId, userId: 'u1', timestamp: receivedAt, traits };
  return { v: 1, sourceId, type: 'identify', messageId, receivedAt, sentAt: receivedAt, event } as Envelope;
}

/**
 * In stream order. The first two came in one request, so they share `received_at`; between them the
 * message id decides (`traitVersion`: SHA-256 of `id-1` sorts after that of `id-2`), so `plan` is `pro`
 * whichever is loaded first. The last one is older than all, received late: it still fills `company`,
 * which no newer identify set, but not `email`.
 */
export function identifies(sourceId: string): Envelope[] {
  return [
    identify(sourceId, 'id-2', T1, { email: 'a@example.com', plan: 'free' }),
    identify(sourceId, 'id-1', T1, { plan: 'pro', name: 'Ada' }),
    identify(sourceId, 'id-3', T2, { email: 'c@example.com' }),
    identify(sourceId, 'id-4', T0, { email: 'd@example.com', company: 'Acme' }),
  ];
}

export const EXPECTED_USER = {
  id: 'u1',
  email: 'c@example.com',
  plan: 'pro',
  name: 'Ada',
  company: 'Acme',
  received_at: new Date(T2),
};

/** The scenarios, by the source (and so schema) each loads into. */
export const SCENARIOS = ['one_batch', 'in_order', 'reversed', 'two_loaders'] as const;

/**
 * Loads the identifies in every scenario: `batchOf` makes a batch of envelopes, `loaders` are two
 * warehouses on the same database (two loader processes).
 */
export async function loadEveryWay(
  batchOf: (batchId: string, envelopes: Envelope[]) => LoadBatch,
  loaders: [Warehouse, Warehouse],
): Promise<void> {
  const [first, second] = loaders;
  await first.load(batchOf('one-batch', identifies('one_batch')));
  for (const [index, envelope] of identifies('in_order').entries())
    await first.load(batchOf(`in-order-${index}`, [envelope]));
  for (const [index, envelope] of identifies('reversed').reverse().entries())
    await first.load(batchOf(`reversed-${index}`, [envelope]));
  // Two loaders, each with a batch of every other message; the later batch commits first.
  const [a, b, c, d] = identifies('two_loaders');
  await second.load(batchOf('two-loaders-later', [b!, d!]));
  await first.load(batchOf('two-loaders-earlier', [a!, c!]));
}
