/** The edges the loader must load, named; each is a batch of envelope texts. */
import { nested } from './arbitraries.js';
import { envelopeText } from './envelopes.js';

const track = (properties: string, event = '"Edge"') =>
  envelopeText('edges', 'track', `{"event":${event},"anonymousId":"a","properties":${properties}}`);

export function edgeCases(): Record<string, string[]> {
  const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`p${i}`, i]));
  const collide = [
    'Order ID',
    'order_id',
    'orderId',
    'ORDER-ID',
    'order.id',
    ' order id ',
    'order__id',
    'OrderID',
  ];
  const reserved = [
    'select',
    'user',
    'order',
    'group',
    'table',
    'timestamp',
    'open',
    'tag',
    'identity',
    'wallet',
    'offset',
    'all',
    'new',
    'old',
  ];
  return {
    'NUL in names, values and the event name': [
      track(
        '{"a\\u0000b":"x\\u0000y","\\u0000":"\\u0000","nested":{"k\\u0000":["\\u0000"]}}',
        '"Sign\\u0000Up"',
      ),
    ],
    'lone surrogates in names, values and the event name': [
      track(
        '{"\\ud800":"\\udc00","x\\ud83d":"y\\ud83d","list":["\\udfff"],"obj":{"\\ud800k":{"\\udc00":1}}}',
        '"\\ud83d"',
      ),
    ],
    '1e400 and 2^70, alone and beside doubles': [
      track(
        '{"huge":1e400,"tiny":1e-400,"neg":-1e400,"big":1180591620717411303424,"nbig":-1180591620717411303424}',
      ),
      track('{"huge":1.5,"big":42,"tiny":0,"neg":"text","nbig":true}'),
    ],
    '64-deep nesting': [track(JSON.stringify({ deep: nested(62), list: nested(61, [1, [2, [3]]]) }))],
    '10,000 properties': [track(JSON.stringify(many))],
    'names that collide once snake_cased': [
      track(JSON.stringify(Object.fromEntries(collide.map((name, i) => [name, i])))),
      track(JSON.stringify(Object.fromEntries(collide.map((name) => [name, name])))),
    ],
    'reserved words of PostgreSQL and Redshift as names': [
      track(JSON.stringify(Object.fromEntries(reserved.map((name) => [name, name]))), '"select"'),
      envelopeText(
        'select',
        'identify',
        JSON.stringify({ userId: 'u', traits: Object.fromEntries(reserved.map((n) => [n, 1])) }),
      ),
    ],
    'names of the common columns': [
      track('{"id":"x","received_at":"y","event":1,"uuid_ts":2,"_rejected":3,"user_id":4,"context_ip":5}'),
    ],
  };
}
