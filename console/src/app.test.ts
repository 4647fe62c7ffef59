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

const TOKEN = 'console-app-test-token';

function app() {
  const webDir = mkdtempSync(join(tmpdir(), 'eventpipe-console-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>console</title>');
  const warehouse = {
    row: async () => undefined,
    schema: async () => [],
    deadLetters: async () => [],
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
  const headers = { authorization: `Bearer ${TOKEN}` };
  const unknown = await server.inject({ url: '/api/schema?source=other', headers });
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.json().error, /no source "other"/);
  const bad = await server.inject({ url: '/api/live?source=web&type=click', headers });
  assert.equal(bad.statusCode, 400);
  const row = await server.inject({ url: '/api/row?source=web&type=track&messageId=m1', headers });
  assert.deepEqual(row.json(), { loaded: false });
  const long = await server.inject({
    url: `/api/row?source=web&type=track&messageId=${'x'.repeat(201)}`,
    headers,
  });
  assert.equal(long.statusCode, 400);
  await server.close();
});
