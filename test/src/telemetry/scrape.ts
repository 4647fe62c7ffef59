/** Reads a `/metrics` page with a Prometheus text-format parser, for the metrics tests. */
import parsePrometheusTextFormat, { type MetricFamily, type Sample } from 'parse-prometheus-text-format';

export type Families = Map<string, MetricFamily>;

export async function scrape(url: string): Promise<Families> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return new Map(parsePrometheusTextFormat(await response.text()).map((f) => [f.name, f]));
}

function matching(families: Families, name: string, labels: Record<string, string>): Sample[] {
  const family = families.get(name);
  if (!family) return [];
  return family.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/** The sum of a counter's or gauge's samples with these labels (0 when there are none yet). */
export function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  return matching(families, name, labels).reduce((sum, m) => sum + Number(m.value), 0);
}

/** A histogram's observation count over the samples with these labels. */
export function observations(families: Families, name: string, labels: Record<string, string> = {}): number {
  return matching(families, name, labels).reduce((sum, m) => sum + Number(m.count), 0);
}
