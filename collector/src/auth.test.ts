import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicUsername, createAuthenticator } from './auth.js';
import { HttpError } from './errors.js';

const basic = (user: string, password = '') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('the Basic username is the write key', () => {
  assert.equal(basicUsername(basic('key-1')), 'key-1');
  assert.equal(basicUsername(basic('key-1', 'ignored')), 'key-1');
  assert.equal(basicUsername(`basic ${Buffer.from('no-colon').toString('base64')}`), 'no-colon');
  assert.equal(basicUsername('Bearer abc'), undefined);
  assert.equal(basicUsername(undefined), undefined);
});

test('write keys map to their source, from the header or the body; others get a 401', () => {
  const authenticate = createAuthenticator([
    { id: 'web', writeKeys: ['web-key-1', 'web-key-2'] },
    { id: 'app', writeKeys: ['app-key-1'] },
  ]);
  assert.equal(authenticate(basic('web-key-2'), undefined), 'web');
  assert.equal(authenticate(undefined, 'app-key-1'), 'app');
  // The header wins when both are present.
  assert.equal(authenticate(basic('web-key-1'), 'app-key-1'), 'web');
  const unauthorized = (message: RegExp) => (error: unknown) =>
    error instanceof HttpError && error.statusCode === 401 && message.test(error.message);
  assert.throws(() => authenticate(basic('web-key-3'), undefined), unauthorized(/unknown write key/));
  assert.throws(() => authenticate(undefined, 'web-key'), unauthorized(/unknown write key/));
  assert.throws(() => authenticate(undefined, undefined), unauthorized(/missing write key/));
  assert.throws(() => authenticate(basic(''), 42), unauthorized(/missing write key/));
});

test('a verified header is remembered for its source; a wrong one never is', () => {
  const authenticate = createAuthenticator([
    { id: 'web', writeKeys: ['web-key-1'] },
    { id: 'app', writeKeys: ['app-key-1'] },
  ]);
  for (let i = 0; i < 3; i++) assert.equal(authenticate(basic('web-key-1'), 'app-key-1'), 'web');
  // An empty username falls back to the body's key: that header must not be remembered as "web".
  assert.equal(authenticate(basic(''), 'app-key-1'), 'app');
  assert.equal(authenticate(basic(''), 'web-key-1'), 'web');
  for (let i = 0; i < 2; i++) assert.throws(() => authenticate(basic('web-key-2'), undefined), HttpError);
  // Many variants of a valid header (the password part is ignored) stay valid past the cache bound.
  for (let i = 0; i < 2_500; i++) assert.equal(authenticate(basic('app-key-1', `p${i}`), undefined), 'app');
  assert.equal(authenticate(basic('web-key-1'), undefined), 'web');
});
