import { test } from 'node:test';
import assert from 'node:assert/strict';
import { natsMessageId } from './message-id.js';

/** Every control character, DEL, the line and paragraph separators, a lone surrogate, `%`, space. */
const AWKWARD = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
  '\u007f',
  '\u2028',
  '\u2029',
  '\ud800',
  '\udfff',
  '%',
  ' ',
  'é',
  '😀',
];

test('usual ids are used as they are', () => {
  assert.equal(
    natsMessageId('web', '0b3c5c1e-8f0a-4a54-9a36-2f1c6f3d9e11'),
    'web:0b3c5c1e-8f0a-4a54-9a36-2f1c6f3d9e11',
  );
  assert.equal(
    natsMessageId('web', 'ajs-next-1700000000000-abc:def/ghi'),
    'web:ajs-next-1700000000000-abc:def/ghi',
  );
});

test('every id becomes a header value NATS accepts and keeps as is (printable ASCII, no spaces)', () => {
  for (const char of AWKWARD) {
    const id = natsMessageId('web', `a${char}b`);
    assert.match(id, /^[!-~]+$/, JSON.stringify(char));
  }
});

test('distinct ids never share a Nats-Msg-Id', () => {
  const ids = [
    ...AWKWARD.map((char) => `a${char}b`),
    ...AWKWARD.map((char) => natsMessageId('web', `a${char}b`).slice('web:'.length)),
    'x',
    'x ',
    ' x',
    '%0a',
    '%u000a',
    '%250a',
    '\ud800\udc00',
    '𐀀',
  ];
  const distinct = new Set(ids);
  const encoded = new Set([...distinct].map((id) => natsMessageId('web', id)));
  assert.equal(encoded.size, distinct.size);
});
