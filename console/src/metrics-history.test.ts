import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pointBetween, quantile, scrapeTargets, totalsOf } from './metrics-history.js';

const collector = (n: number) =>
  `# HELP eventpipe_collector_events_accepted_total x\n# TYPE eventpipe_collector_events_accepted_total counter\n` +
  `eventpipe_collector_events_accepted_total{source="web"} ${n}\neventpipe_collector_events_accepted_total{source="app"} 1\n`;
const loader = (b1: number, b5: number, inf: number) =>
  `# HELP eventpipe_loader_event_to_warehouse_seconds x\n# TYPE eventpipe_loader_event_to_warehouse_seconds histogram\n` +
  `eventpipe_loader_event_to_warehouse_seconds_bucket{le="1"} ${b1}\n` +
  `eventpipe_loader_event_to_warehouse_seconds_bucket{le="5"} ${b5}\n` +
  `eventpipe_loader_event_to_warehouse_seconds_bucket{le="+Inf"} ${inf}\n` +
  `eventpipe_loader_event_to_warehouse_seconds_sum 0\neventpipe_loader_event_to_warehouse_seconds_count ${inf}\n`;

test('a point is the rates and latency percentiles of what happened between two scrapes', () => {
  const before = totalsOf([collector(9)], [loader(10, 10, 10)]);
  const after = totalsOf([collector(29)], [loader(10, 30, 30)]);
  assert.equal(before.accepted, 10);
  const point = pointBetween(before, after, 10, 1000);
  assert.equal(point.acceptedPerSecond, 2);
  assert.equal(point.loadedPerSecond, 2);
  // All 20 loaded in the interval fell between 1 and 5 seconds.
  assert.equal(point.latencyP50, 3);
  assert.equal(point.latencyP95, 4.8);
});

test('a missing endpoint leaves its series empty; a restarted process counts from zero', () => {
  const point = pointBetween(
    totalsOf([collector(100)], undefined),
    totalsOf([collector(10)], undefined),
    5,
    1,
  );
  assert.equal(point.acceptedPerSecond, 2.2);
  assert.equal(point.loadedPerSecond, null);
  assert.equal(point.latencyP95, null);
});

test('quantiles follow histogram_quantile: none without observations, the last bound past it', () => {
  assert.equal(quantile(0.5, new Map([[Infinity, 0]])), null);
  assert.equal(
    quantile(
      0.5,
      new Map([
        [1, 0],
        [Infinity, 4],
      ]),
    ),
    1,
  );
  assert.equal(
    quantile(
      0.5,
      new Map([
        [2, 4],
        [Infinity, 4],
      ]),
    ),
    1,
  );
});

test('the pods behind one name add up, and each is scraped at its own address', async () => {
  const two = totalsOf([collector(9), collector(19)], [loader(1, 2, 3), loader(1, 1, 1)]);
  assert.equal(two.accepted, 30);
  assert.deepEqual(
    [...two.latency!],
    [
      [1, 2],
      [5, 3],
      [Infinity, 4],
    ],
  );
  const resolve = async () => [
    { address: '10.0.0.7', family: 4 },
    { address: '10.0.0.8', family: 4 },
    { address: 'fd00::1', family: 6 },
  ];
  assert.deepEqual(await scrapeTargets('http://shop-metrics:9464/metrics', resolve), [
    'http://10.0.0.7:9464/metrics',
    'http://10.0.0.8:9464/metrics',
  ]);
  const v6 = async () => [{ address: 'fd00::1', family: 6 }];
  assert.deepEqual(await scrapeTargets('http://shop-metrics:8081/metrics', v6), [
    'http://[fd00::1]:8081/metrics',
  ]);
  assert.deepEqual(await scrapeTargets('http://127.0.0.1:1/metrics', resolve), [
    'http://127.0.0.1:1/metrics',
  ]);
});
