import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buckets, observations, parsePrometheusText, value } from './scrape.js';

// As prom-client writes it: `le` first, one series per label set.
const PAGE = `# HELP http_seconds Request duration
# TYPE http_seconds histogram
http_seconds_bucket{le="0.1",route="/a"} 1
http_seconds_bucket{le="1",route="/a"} 1
http_seconds_bucket{le="+Inf",route="/a"} 1
http_seconds_sum{route="/a"} 0.05
http_seconds_count{route="/a"} 1
http_seconds_bucket{le="0.1",route="/b"} 0
http_seconds_bucket{le="1",route="/b"} 2
http_seconds_bucket{le="+Inf",route="/b"} 3
http_seconds_sum{route="/b"} 4.5
http_seconds_count{route="/b"} 3

# HELP events_total Events
# TYPE events_total counter
events_total{source="web",reason="say \\"hi\\"\\\\"} 7
events_total{source="ios",reason="x"} 2
# TYPE inflight gauge
inflight 5 1700000000000
`;

test('labelled histograms keep one series per label set, buckets by le', () => {
  const families = parsePrometheusText(PAGE);
  assert.equal(families.get('http_seconds')?.type, 'histogram');
  assert.equal(observations(families, 'http_seconds'), 4);
  assert.equal(observations(families, 'http_seconds', { route: '/b' }), 3);
  assert.deepEqual(
    [...buckets(families, 'http_seconds', { route: '/a' })],
    [
      ['0.1', 1],
      ['1', 1],
      ['+Inf', 1],
    ],
  );
  assert.deepEqual(
    [...buckets(families, 'http_seconds', { route: '/b' })],
    [
      ['0.1', 0],
      ['1', 2],
      ['+Inf', 3],
    ],
  );
  assert.equal(value(families, 'http_seconds_sum'), 0, 'a series name is not a family value');
});

test('counters and gauges by labels, escaped label values, timestamps ignored', () => {
  const families = parsePrometheusText(PAGE);
  assert.equal(value(families, 'events_total'), 9);
  assert.equal(value(families, 'events_total', { source: 'web', reason: 'say "hi"\\' }), 7);
  assert.equal(value(families, 'events_total', { source: 'none' }), 0);
  assert.equal(value(families, 'inflight'), 5);
});

test('a malformed line is an error, not a silent zero', () => {
  assert.throws(() => parsePrometheusText('metric{le="1" 3\n'), /bad labels|unterminated/);
  assert.throws(() => parsePrometheusText('metric lots\n'), /bad value/);
});

test('NaN and Inf in any case, as Prometheus reads them; a word that is no number is refused', () => {
  // prom-client writes an event-loop-lag mean with no samples yet as `Nan`.
  const families = parsePrometheusText('lag_mean Nan\nup +inf\ndown -Inf\n');
  assert.ok(Number.isNaN(value(families, 'lag_mean')));
  assert.equal(value(families, 'up'), Infinity);
  assert.equal(value(families, 'down'), -Infinity);
  assert.throws(() => parsePrometheusText('broken nope\n'), /bad value/);
});
