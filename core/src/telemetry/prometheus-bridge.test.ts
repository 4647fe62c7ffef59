import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { metrics } from '@opentelemetry/sdk-node';
import { toMetricData } from './prometheus-bridge.js';
import { exportTiming } from './sdk.js';
import { otlpMetricsConfigured } from './enabled.js';

test('prom-client series become OTLP sums, gauges and explicit-bucket histograms', async () => {
  const registry = new Registry();
  const registers = [registry];
  new Counter({ name: 'x_events_total', help: 'c', labelNames: ['source'], registers }).inc(
    { source: 'web' },
    3,
  );
  new Gauge({ name: 'x_inflight_bytes', help: 'g', registers }).set(42);
  const histogram = new Histogram({ name: 'x_latency_seconds', help: 'h', buckets: [0.1, 1], registers });
  for (const value of [0.05, 0.5, 0.7, 5]) histogram.observe(value);

  const converted = (await registry.getMetricsAsJSON()).map((m) => toMetricData(m, 0, 1_000)!);
  const [counter, gauge, latency] = converted;
  assert.equal(counter!.dataPointType, metrics.DataPointType.SUM);
  assert.deepEqual(
    counter!.dataPoints.map((p) => [p.attributes, p.value]),
    [[{ source: 'web' }, 3]],
  );
  assert.equal(gauge!.dataPointType, metrics.DataPointType.GAUGE);
  assert.equal(gauge!.descriptor.unit, 'By');
  assert.equal(latency!.dataPointType, metrics.DataPointType.HISTOGRAM);
  assert.equal(latency!.descriptor.unit, 's');
  const point = latency!.dataPoints[0]!.value as {
    buckets: { boundaries: number[]; counts: number[] };
    count: number;
    sum: number;
  };
  // Per-bucket (not cumulative) counts, the last one above the highest boundary.
  assert.deepEqual(point.buckets, { boundaries: [0.1, 1], counts: [1, 2, 1] });
  assert.equal(point.count, 4);
  assert.equal(point.sum, 6.25);
});

test('OTLP metrics only when OTEL_METRICS_EXPORTER names otlp; export timing from OTEL_METRIC_EXPORT_*', () => {
  assert.equal(otlpMetricsConfigured({}), false);
  assert.equal(otlpMetricsConfigured({ OTEL_METRICS_EXPORTER: 'otlp' }), true);
  assert.equal(otlpMetricsConfigured({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), false);
  assert.deepEqual(exportTiming({}), { exportIntervalMillis: 60_000, exportTimeoutMillis: 30_000 });
  assert.deepEqual(exportTiming({ OTEL_METRIC_EXPORT_INTERVAL: '500' }), {
    exportIntervalMillis: 500,
    exportTimeoutMillis: 500,
  });
  assert.deepEqual(exportTiming({ OTEL_METRIC_EXPORT_INTERVAL: 'soon' }).exportIntervalMillis, 60_000);
});
