import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@eventpipe/core';
import { buildConsoleApp } from './app.js';
import { SESSION_COOKIE } from './auth.js';
import { RejectionRing } from './rejections.js';
import type { ConsoleWarehouse } from './warehouse.js';
import type { ConsoleAppOptions } from './app.js';

const TOKEN = 'console-app-test-token';
const admin = { authorization: `Bearer ${TOKEN}` };

/** Redrives the fake was asked for, and what it answers: the route's job is to validate and pass on. */
const redrives: unknown[] = [];
const redriveResult = {
  selected: 1,
  redriven: 1,
  alreadyRedriven: 0,
  skipped: 0,
  notFound: 0,
  outcomes: [{ id: '0123456789ab', outcome: 'redriven', stream: 'EVENTS', sequence: 7, duplicate: false }],
} as const;
const deadLetters: ConsoleAppOptions['deadLetters'] = {
  list: async () => [],
  show: async (id) =>
    ['0123456789ab', 'ba9876543210'].includes(id)
      ? {
          id,
          origin: 'EVENTS-1',
          streamSequence: 1,
          sourceId: id === '0123456789ab' ? 'web' : 'app',
          messageId: 'm1',
          reason: 'load: refused',
          firstFailedAt: '2026-01-01T00:00:00.000Z',
          lastFailedAt: '2026-01-01T00:00:00.000Z',
          attempts: 1,
          envelopeJson: '{"messageId":"m1"}',
        }
      : undefined,
  redrive: async (selection) => {
    redrives.push(selection);
    return { ...redriveResult, outcomes: [...redriveResult.outcomes] };
  },
};

function app() {
  const webDir = mkdtempSync(join(tmpdir(), 'eventpipe-console-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>console</title>');
  const warehouse = {
    row: async () => undefined,
    schema: async () => [],
    close: async () => {},
  } as ConsoleWarehouse;
  return buildConsoleApp({
    adminToken: TOKEN,
    sourceIds: ['web'],
    log: createLogger('console', 'silent'),
    subscribeLive: async () => () => {},
    rejections: new RejectionRing(10),
    warehouse,
    history: { points: () => [], stop: () => {} },
    deadLetters,
    webDir,
  });
}

const form = (token: string) => ({
  method: 'POST' as const,
  url: '/login',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams({ token }).toString(),
});

test('without the token: pages send to the login, the API answers 401, a wrong token gets the login with 401', async () => {
  const server = app();
  const page = await server.inject({ url: '/' });
  assert.equal(page.statusCode, 303);
  assert.equal(page.headers.location, '/login');
  assert.equal((await server.inject({ url: '/api/sources' })).statusCode, 401);
  const sse = await server.inject({
    url: '/api/live?source=web',
    headers: { authorization: 'Bearer nope' },
  });
  assert.equal(sse.statusCode, 401);
  const wrong = await server.inject(form('wrong-token'));
  assert.equal(wrong.statusCode, 401);
  assert.match(wrong.body, /That token is not valid/);
  assert.equal(wrong.headers['set-cookie'], undefined);
  assert.match(String(wrong.headers['content-security-policy']), /default-src 'self'/);
  await server.close();
});

test('the right token sets a session cookie (not the token) that opens the pages and the API', async () => {
  const server = app();
  const login = await server.inject(form(TOKEN));
  assert.equal(login.statusCode, 303);
  const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)!;
  assert.ok(cookie.httpOnly);
  assert.equal(cookie.sameSite, 'Strict');
  assert.notEqual(cookie.value, TOKEN);
  const cookies = { [SESSION_COOKIE]: cookie.value };
  assert.equal((await server.inject({ url: '/', cookies })).statusCode, 200);
  assert.deepEqual((await server.inject({ url: '/api/sources', cookies })).json(), { sources: ['web'] });
  await server.close();
});

test('the API checks its parameters: known sources only, bounded ids, and says when a row is not loaded yet', async () => {
  const server = app();
  const unknown = await server.inject({ url: '/api/schema?source=other', headers: admin });
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.json().error, /no source "other"/);
  const bad = await server.inject({ url: '/api/live?source=web&type=click', headers: admin });
  assert.equal(bad.statusCode, 400);
  const row = await server.inject({ url: '/api/row?source=web&type=track&messageId=m1', headers: admin });
  assert.deepEqual(row.json(), { loaded: false });
  const long = await server.inject({
    url: `/api/row?source=web&type=track&messageId=${'x'.repeat(201)}`,
    headers: admin,
  });
  assert.equal(long.statusCode, 400);
  await server.close();
});

test('a redrive needs the token and a valid body, is narrowed to the source, and answers per id', async () => {
  const server = app();
  redrives.length = 0;
  const redrive = (payload: unknown, headers: Record<string, string> = admin) =>
    server.inject({ method: 'POST', url: '/api/dead-letters/redrive', headers, payload: payload as object });
  const wrong = await redrive({ source: 'web', ids: ['0123456789ab'] }, { authorization: 'Bearer nope' });
  assert.equal(wrong.statusCode, 401);
  assert.equal((await redrive({ source: 'web', ids: ['0123456789ab'] }, {})).statusCode, 401);
  const bad: [unknown, RegExp][] = [
    [{ source: 'web' }, /body must have required property 'ids'/],
    [{ source: 'web', ids: [] }, /body\/ids must NOT have fewer than 1 items/],
    [{ source: 'web', ids: ['not-an-id'] }, /body\/ids\/0 must match pattern/],
    [
      { source: 'web', ids: Array.from({ length: 201 }, () => '0123456789ab') },
      /body\/ids must NOT have more than 200 items/,
    ],
    [{ ids: ['0123456789ab'] }, /body must have required property 'source'/],
    [[1, 2], /body must be object/],
  ];
  for (const [payload, error] of bad) {
    const response = await redrive(payload);
    assert.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 80));
    assert.match(response.json().error, error);
  }
  const other = await redrive({ source: 'other', ids: ['0123456789ab'] });
  assert.equal(other.statusCode, 404);
  assert.match(other.json().error, /no source "other"/);
  assert.deepEqual(redrives, [], 'nothing redriven by a refused request');

  const done = await redrive({ source: 'web', ids: ['0123456789ab'] });
  assert.equal(done.statusCode, 200);
  assert.deepEqual(done.json(), redriveResult);
  assert.deepEqual(redrives, [{ ids: ['0123456789ab'], sourceId: 'web' }]);
  await server.close();
});

test('a dead letter is shown by id, only in its own source', async () => {
  const server = app();
  const show = (query: string) => server.inject({ url: `/api/dead-letter?${query}`, headers: admin });
  const bad = await show('source=web&id=nope');
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /12 hex digits/);
  const shown = await show('source=web&id=0123456789ab');
  assert.equal(shown.statusCode, 200);
  assert.equal(shown.json().deadLetter.envelopeJson, '{"messageId":"m1"}');
  for (const [id, why] of [
    ['ba9876543210', 'of another source'],
    ['aaaaaaaaaaaa', 'unknown'],
  ]) {
    const missing = await show(`source=web&id=${id}`);
    assert.equal(missing.statusCode, 404, why);
    assert.match(missing.json().error, new RegExp(`no dead letter ${id} in source web`));
  }
  await server.close();
});
