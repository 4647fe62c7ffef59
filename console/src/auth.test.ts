import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, isAdmin, secretMatches, sessionValue } from './auth.js';

const TOKEN = 'admin-token-0123456789';

test('only the exact token matches, whatever the length of the guess', () => {
  assert.equal(secretMatches(TOKEN, TOKEN), true);
  for (const guess of ['', 'admin', `${TOKEN}x`, TOKEN.toUpperCase(), undefined, 42, ['x']]) {
    assert.equal(secretMatches(TOKEN, guess), false, String(guess));
  }
});

test('a request is the admin with the bearer token or the session cookie, never with the token as cookie', () => {
  assert.equal(isAdmin(TOKEN, `Bearer ${TOKEN}`, undefined), true);
  assert.equal(isAdmin(TOKEN, undefined, sessionValue(TOKEN)), true);
  assert.equal(isAdmin(TOKEN, undefined, TOKEN), false);
  assert.equal(isAdmin(TOKEN, `Basic ${TOKEN}`, undefined), false);
  assert.equal(isAdmin(TOKEN, 'Bearer wrong-token-value', sessionValue('another-token-value')), false);
  assert.notEqual(sessionValue(TOKEN), sessionValue(`${TOKEN}2`));
  assert.equal(bearerToken('bearer abc'), 'abc');
});
