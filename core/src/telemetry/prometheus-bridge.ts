/**
 * OTLP metrics from the Prometheus registries: the processes count with prom-client (one set of
 * names, served on /metrics), and when `OTEL_METRICS_EXPORTER=otlp` asks for OTLP too, this
 * producer hands the same series to the SDK's periodic exporting reader. Counters become
 * monotonic sums, gauges gauges, histograms explicit-bucket histograms, all cumulative.
 */
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/sdk-node';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { exportedRegistries } from './exported-registries.js';

const { AggregationTemporality, DataPointType } = metrics;

const hrTime = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
const attributesOf = (labels: Record<string, string | number>): Attributes => ({ ...labels });
const key = (labels: Record<string, string | number>) => JSON.stringify(Object.entries(labels).sort());

/** One prom-client metric (as `getMetricsAsJSON` gives it) as OTLP metric data. */
export function toMetricData(
  metric: MetricObjectWithValues<MetricValue<string>>,
  startMs: number,
  nowMs: number,
): metrics.MetricData | undefined {
  const descriptor = {
    name: metric.name,
    description: metric.help,
    unit: metric.name.endsWith('_seconds') ? 's' : metric.name.endsWith('_bytes') ? 'By' : '',
    valueType: ValueType.DOUBLE,
  };
  const times = { startTime: hrTime(startMs), endTime: hrTime(nowMs) };
  const values = metric.values as (MetricValue<string> & { metricName?: string })[];
  const type = String(metric.type);
  switch (type) {
    case 'counter':
    case 'gauge': {
      const dataPoints = values.map((v) => ({
        ...times,
        attributes: attributesOf(v.labels as Record<string, string | number>),
        value: v.value,
      }));
      return type === 'counter'
        ? {
            descriptor,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.SUM,
            isMonotonic: true,
            dataPoints,
          }
        : {
            descriptor,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints,
          };
    }
    case 'histogram': {
      // prom-client gives cumulative `_bucket` counts per `le` plus `_sum` and `_count`, per label set.
      const series = new Map<
        string,
        { labels: Record<string, string | number>; le: [number, number][]; sum: number; count: number }
      >();
      for (const v of values) {
        const { le, ...labels } = v.labels as Record<string, string | number>;
        const id = key(labels);
        let entry = series.get(id);
        if (!entry) series.set(id, (entry = { labels, le: [], sum: 0, count: 0 }));
        if (v.metricName?.endsWith('_bucket') && le !== undefined && le !== '+Inf')
          entry.le.push([Number(le), v.value]);
        else if (v.metricName?.endsWith('_sum')) entry.sum = v.value;
        else if (v.metricName?.endsWith('_count')) entry.count = v.value;
      }
      const dataPoints = [...series.values()].map(({ labels, le, sum, count }) => {
        le.sort((a, b) => a[0] - b[0]);
        const cumulative = [...le.map(([, c]) => c), count];
        return {
          ...times,
          attributes: attributesOf(labels),
          value: {
            buckets: {
              boundaries: le.map(([bound]) => bound),
              counts: cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!)),
            },
            sum,
            count,
          },
        };
      });
      return {
        descriptor,
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      };
    }
    default:
      return undefined;
  }
}

const START_MS = Date.now();

/** The SDK-side producer reading every exported registry at each export. */
export const prometheusProducer: metrics.MetricProducer = {
  async collect() {
    const errors: unknown[] = [];
    const data: metrics.MetricData[] = [];
    const now = Date.now();
    for (const registry of exportedRegistries()) {
      try {
        for (const metric of await registry.getMetricsAsJSON()) {
          const converted = toMetricData(metric, START_MS, now);
          if (converted) data.push(converted);
        }
      } catch (error) {
        errors.push(error);
      }
    }
    return {
      // The reader replaces the resource with the SDK's own.
      resourceMetrics: {
        resource: undefined as never,
        scopeMetrics: [{ scope: { name: 'eventpipe' }, metrics: data }],
      },
      errors,
    };
  },
};
