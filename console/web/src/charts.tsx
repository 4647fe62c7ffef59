import { useEffect, useRef } from 'preact/hooks';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type Point } from './api.js';
import { useJson } from './hooks.js';

/** The console scrapes every few seconds; the page asks for the new points as often. */
const REFRESH_MS = 10_000;

interface Series {
  label: string;
  color: string;
  value: (p: Point) => number | null;
}

function Chart({
  title,
  unit,
  points,
  series,
}: {
  title: string;
  unit: string;
  points: Point[];
  series: Series[];
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: AlignedData = [points.map((p) => p.t), ...series.map((s) => points.map(s.value))];

  useEffect(() => {
    const element = box.current!;
    const options: Options = {
      width: Math.max(element.clientWidth, 240),
      height: 220,
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false }))],
      axes: [{}, { label: unit, size: 60 }],
    };
    plot.current = new uPlot(options, data, element);
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(element.clientWidth, 240), height: 220 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Created once; new data goes through setData below.
  }, []);

  useEffect(() => plot.current?.setData(data), [points]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}, last hour`} />
    </figure>
  );
}

export function ChartsPage() {
  const { data, error, reload } = useJson<{ points: Point[] }>('/api/metrics', {});
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const points = data?.points ?? [];
  return (
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">Throughput and latency, last hour</h2>
      <p class="hint">
        From the collector's and loader's own metrics, scraped by the console. {points.length} points so far.
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="charts">
        <Chart
          title="Events per second"
          unit="events/s"
          points={points}
          series={[
            { label: 'accepted', color: '#2450b2', value: (p) => p.acceptedPerSecond },
            { label: 'loaded', color: '#1c8a4a', value: (p) => p.loadedPerSecond },
          ]}
        />
        <Chart
          title="Event-to-warehouse latency"
          unit="seconds"
          points={points}
          series={[
            { label: 'p50', color: '#1c8a4a', value: (p) => p.latencyP50 },
            { label: 'p95', color: '#b26a24', value: (p) => p.latencyP95 },
          ]}
        />
      </div>
    </section>
  );
}
