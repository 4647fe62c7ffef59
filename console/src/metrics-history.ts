/**
 * The charts' data: the console scrapes the collector's and the loader's `/metrics` every interval
 * and keeps one point per scrape for the last hour in memory (a ring: at most window / interval
 * points). A point is the events accepted and loaded per second since the previous scrape, and the
 * event-to-warehouse latency percentiles of the events loaded in that time, from the loader's
 * histogram buckets as PromQL's histogram_quantile reads them.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';

export const ACCEPTED = 'eventpipe_collector_events_accepted_total';
export const LATENCY = 'eventpipe_loader_event_to_warehouse_seconds';

export interface Totals {
  accepted?: number;
  /** Cumulative counts by upper bound, `+Inf` included, summed over every label set. */
  latency?: Map<number, number>;
}

export interface Point {
  /** Unix time in seconds, as uPlot takes it. */
  t: number;
  acceptedPerSecond: number | null;
  loadedPerSecond: number | null;
  latencyP50: number | null;
  latencyP95: number | null;
}

/** Totals over every scraped text of each process kind (one per pod), or undefined where none answered. */
export function totalsOf(collectorTexts: string[] | undefined, loaderTexts: string[] | undefined): Totals {
  const totals: Totals = {};
  const samples = (texts: string[], name: string) =>
    texts.flatMap(
      (text) => parsePrometheusTextFormat(text).find((f: MetricFamily) => f.name === name)?.metrics ?? [],
    );
  if (collectorTexts !== undefined) {
    totals.accepted = samples(collectorTexts, ACCEPTED).reduce((sum, m) => sum + Number(m.value ?? 0), 0);
  }
  if (loaderTexts !== undefined) {
    const buckets = new Map<number, number>();
    for (const sample of samples(loaderTexts, LATENCY)) {
      for (const [le, count] of Object.entries(sample.buckets ?? {})) {
        const bound = le === '+Inf' ? Infinity : Number(le);
        buckets.set(bound, (buckets.get(bound) ?? 0) + Number(count));
      }
    }
    totals.latency = buckets;
  }
  return totals;
}

/** A counter's increase; a restart (the counter went down) counts from zero. */
const increase = (before: number, after: number) => (after >= before ? after - before : after);

/** The q-quantile of cumulative buckets, interpolated linearly inside the bucket it falls in. */
export function quantile(q: number, buckets: Map<number, number>): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound)!;
    if (count >= rank) {
      // Past the last finite bound nothing tells where inside it lies: the bound is the answer.
      if (bound === Infinity) return lowerBound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / Math.max(count - lowerCount, 1e-9);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

export function pointBetween(before: Totals, after: Totals, seconds: number, t: number): Point {
  const point: Point = {
    t,
    acceptedPerSecond: null,
    loadedPerSecond: null,
    latencyP50: null,
    latencyP95: null,
  };
  if (before.accepted !== undefined && after.accepted !== undefined) {
    point.acceptedPerSecond = increase(before.accepted, after.accepted) / seconds;
  }
  if (before.latency && after.latency) {
    const delta = new Map<number, number>();
    for (const [bound, count] of after.latency)
      delta.set(bound, increase(before.latency.get(bound) ?? 0, count));
    point.loadedPerSecond = (delta.get(Infinity) ?? 0) / seconds;
    point.latencyP50 = quantile(0.5, delta);
    point.latencyP95 = quantile(0.95, delta);
  }
  return point;
}

export interface MetricsHistory {
  points(): Point[];
  stop(): void;
}

/**
 * Every address a metrics URL's host name resolves to: in Kubernetes a headless Service names all
 * the pods of a component, and each pod's counters are its own, so each is scraped and they add up.
 * IPv4 addresses are preferred when a name has both, so `localhost` is not scraped twice.
 */
export async function scrapeTargets(
  url: string,
  resolve: (host: string) => Promise<{ address: string; family: number }[]> = (host) =>
    lookup(host, { all: true }),
): Promise<string[]> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [url];
  const addresses = await resolve(host);
  const v4 = addresses.filter((a) => a.family === 4);
  return [...new Set((v4.length > 0 ? v4 : addresses).map((a) => a.address))].map((address) => {
    const target = new URL(url);
    target.hostname = address.includes(':') ? `[${address}]` : address;
    return target.toString();
  });
}

/** The texts of every target of `url`; undefined when none answered. */
async function scrape(url: string | undefined, timeoutMs: number): Promise<string[] | undefined> {
  if (!url) return undefined;
  const targets = await scrapeTargets(url).catch(() => []);
  const texts = await Promise.all(
    targets.map(async (target) => {
      try {
        const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
        return response.ok ? await response.text() : undefined;
      } catch {
        // A pod that is down or not of this component leaves out its share; the next scrape tries again.
        return undefined;
      }
    }),
  );
  const answered = texts.filter((t): t is string => t !== undefined);
  return answered.length > 0 ? answered : undefined;
}

export function startMetricsHistory(options: {
  collectorUrl?: string;
  loaderUrl?: string;
  intervalMs: number;
  windowMs?: number;
}): MetricsHistory {
  const capacity = Math.ceil((options.windowMs ?? 3_600_000) / options.intervalMs);
  const points: Point[] = [];
  let previous: { totals: Totals; at: number } | undefined;
  let running: Promise<void> | undefined;

  const tick = async () => {
    const [collectorTexts, loaderTexts] = await Promise.all([
      scrape(options.collectorUrl, options.intervalMs),
      scrape(options.loaderUrl, options.intervalMs),
    ]);
    const at = Date.now();
    const totals = totalsOf(collectorTexts, loaderTexts);
    if (previous) {
      points.push(pointBetween(previous.totals, totals, (at - previous.at) / 1000, Math.round(at / 1000)));
      if (points.length > capacity) points.splice(0, points.length - capacity);
    }
    previous = { totals, at };
  };
  const run = () => {
    // One scrape at a time: a slow endpoint delays the next point instead of piling up requests.
    running ??= tick().finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, options.intervalMs);
  timer.unref();
  return { points: () => [...points], stop: () => clearInterval(timer) };
}
