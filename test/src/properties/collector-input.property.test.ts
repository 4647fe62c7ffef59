/**
 * Property: whatever request reaches the collector — any route, header, content type, encoding or
 * body — it answers 200 or a 4xx whose body names the problem; never a 5xx, a crash or a hang. And
 * every event it accepted goes through the loader's decode → enrich → transform → plan and the SQL and
 * COPY text of both dialects without error (`loadable.ts`). In-process (fastify `inject`), so that
 * thousands of requests take seconds; `collector-to-warehouse.property.test.ts` runs a sample for real.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createLogger, loadConfig } from '@eventpipe/core';
import { buildApp, type OutgoingMessage } from '@eventpipe/collector';
import { numRuns } from './arbitraries.js';
import {
  checkAnswer,
  describeRequest,
  hostileRequest,
  WRITE_KEY,
  type HostileRequest,
} from './collector-input.js';
import { loadableChecker, type LoadableChecker } from './loadable.js';

/** Far above what one in-process request takes; past it the request counts as a hang. */
const HANG_MS = 5000;

let checker: LoadableChecker;
let published: OutgoingMessage[] = [];
const app = buildApp({
  config: loadConfig(
    {},
    {
      sources: [{ id: 'web', writeKeys: [WRITE_KEY] }],
      // inject() comes from 127.0.0.1: X-Forwarded-For is then read, as behind an ingress.
      collector: { trustedProxies: ['127.0.0.1'] },
    },
  ),
  log: createLogger('collector', 'silent'),
  publish: async (messages) => {
    published.push(...messages);
    return { stored: messages.length, duplicates: 0 };
  },
  readiness: async () => ({ ready: true }),
});

before(async () => {
  checker = await loadableChecker();
  await app.ready();
});
after(() => app.close());

async function send(request: HostileRequest) {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HANG_MS} ms`)), HANG_MS);
  });
  try {
    return await Promise.race([
      app.inject({ method: 'POST', url: request.url, headers: request.headers, payload: request.body }),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

test('any request gets 200 or a 4xx naming the problem, and what is accepted can load', async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(hostileRequest, async (request) => {
      published = [];
      const response = await send(request);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      checkAnswer(response, published, checker, () => describeRequest(request), request.plain);
    }),
    { numRuns: numRuns(300) },
  );
  // The property means nothing if every request were refused. About a tenth to a sixth of the generated
  // requests are valid (31 to 50 of 300 seen), so a twentieth is a floor that random runs stay above.
  const runs = [...statuses.values()].reduce((sum, n) => sum + n, 0);
  assert.ok((statuses.get(200) ?? 0) > runs / 20, `accepted: ${JSON.stringify([...statuses])}`);
});
