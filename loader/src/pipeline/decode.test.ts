import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode } from './decode.js';
import { delivery, envelope } from './test-fixtures.js';

test('decode keeps envelopes in stream order and turns the rest into dead letters', () => {
  const deliveries = [delivery(1, envelope('m1')), delivery(2, 'not json{'), delivery(3, envelope('m3'))];
  const { messages, deadLetters } = decode(deliveries);
  assert.deepEqual(
    messages.map((m) => [m.delivery.seq, m.envelope.messageId]),
    [
      [1, 'm1'],
      [3, 'm3'],
    ],
  );
  assert.deepEqual(
    deadLetters.map((d) => [d.streamSequence, d.messageId]),
    [[2, 'nats-seq-2']],
  );
  assert.match(deadLetters[0]!.reason, /not JSON/);
});
