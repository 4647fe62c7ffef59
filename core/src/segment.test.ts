import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from './json.js';
import { validateEvent } from './segment.js';

test('valid calls of every type pass', () => {
  assert.equal(
    validateEvent('track', { userId: 'u1', event: 'Signed Up', properties: { plan: 'pro' } }),
    undefined,
  );
  assert.equal(validateEvent('identify', { anonymousId: 'a1', traits: { email: 'a@b.c' } }), undefined);
  assert.equal(validateEvent('page', { userId: 42, name: null }), undefined);
  assert.equal(validateEvent('screen', { userId: 'u1', name: 'Home' }), undefined);
  assert.equal(validateEvent('group', { userId: 'u1', groupId: 'g1' }), undefined);
  assert.equal(validateEvent('alias', { userId: 'u1', previousId: 'a1' }), undefined);
  assert.equal(validateEvent('track', { userId: 'u1', event: 'x', sdkExtra: { any: 1 } }), undefined);
});

test('each rule names the field at fault', () => {
  const cases: [Parameters<typeof validateEvent>, string][] = [
    [['track', { event: 'x' }], '/userId'],
    [['track', { userId: '', anonymousId: null, event: 'x' }], '/userId'],
    [['track', { userId: 'u' }], '/event'],
    [['track', { userId: 'u', event: '' }], '/event'],
    [['track', { userId: 'u', event: 'x', properties: [] }], '/properties'],
    [['track', { userId: 'u', event: 'x', properties: 'p' }], '/properties'],
    [['identify', { userId: 'u', traits: 5 }], '/traits'],
    [['page', { userId: 'u', context: [] }], '/context'],
    [['track', { userId: 'u', event: 'x', messageId: 'm'.repeat(101) }], '/messageId'],
    [['group', { userId: 'u' }], '/groupId'],
    [['alias', { userId: 'u' }], '/previousId'],
    [['track', ['not', 'an', 'object']], ''],
  ];
  for (const [args, field] of cases) {
    const problem = validateEvent(...args);
    assert.ok(problem, `expected a problem for ${JSON.stringify(args)}`);
    assert.equal(problem.field, field, JSON.stringify(args));
    assert.ok(problem.message.length > 0);
  }
});

test('numeric ids a double cannot hold are ids like any other', () => {
  const event = parseJson('{"userId":1234567890123456789,"event":"E","properties":{"n":1e400}}') as Record<
    string,
    unknown
  >;
  assert.equal(validateEvent('track', event), undefined);
  assert.equal(validateEvent('group', { ...event, groupId: event.userId }), undefined);
  assert.equal(validateEvent('alias', { previousId: event.userId, anonymousId: event.userId }), undefined);
  // Only the parser's numbers count: an object that merely looks like one is not an id.
  assert.equal(
    validateEvent('track', { userId: { isLosslessNumber: true, value: '1' }, event: 'E' })?.field,
    '/userId',
  );
});
