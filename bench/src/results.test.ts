import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measurement, toMarkdown } from './results.js';

test('a measurement carries its ceiling and the ratio to it, rounded', () => {
  const m = measurement('collector.batch', 12_345.678, 'events/s', { name: 'raw publish', value: 24_691.3 });
  assert.equal(m.value, 12_345.7);
  assert.equal(m.ratio, 0.5);
  assert.equal(measurement('collector.rss', 120, 'MB', null).ratio, null, 'no ceiling, no ratio');
  assert.equal(measurement('x', 1, 'ms', { name: 'zero', value: 0 }).ratio, null, 'never divides by zero');
});

test('the markdown table has one row per measurement with the target verdict', () => {
  const md = toMarkdown({ cpus: 2 }, [
    measurement('e2e.latency.p95', 900, 'ms', null, { target: { text: '≤ 5,000 ms', met: true } }),
    measurement('e2e.postgres', 8_000, 'events/s', null, { target: { text: '≥ 10,000', met: false } }),
  ]);
  assert.match(md, /\| e2e\.latency\.p95 \| {2}\| 900 \| ms \|.*\| met: ≤ 5,000 ms \|/);
  assert.match(md, /\| e2e\.postgres \| {2}\| 8000 \| events\/s \|.*\| MISSED: ≥ 10,000 \|/);
  assert.match(md, /"cpus": 2/);
});

test('each row names the Node version that measured it', () => {
  const md = toMarkdown({}, [{ ...measurement('loader.rss', 200, 'MB', null), node: 'v24.21.0' }]);
  assert.match(md, /\| loader\.rss \| v24\.21\.0 \| 200 \| MB \|/);
});
