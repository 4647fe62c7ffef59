/**
 * Reads a `/metrics` page (Prometheus text format 0.0.4) for the metrics tests. Hand-written because
 * the published parser this replaced folds every histogram's series into one unlabelled sample, so
 * per-label buckets (a latency by route) could not be checked; the format is line-based and small.
 */

export interface Sample {
  /** The series name: the family's, or with `_bucket`, `_sum`, `_count` for histograms. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

export type Families = Map<string, MetricFamily>;

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** `{a="1",b="x\"y"}` from `start` (at `{`): the labels and the index after `}`. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const equals = line.indexOf('=', i);
    if (equals < 0 || line[equals + 1] !== '"') throw new Error(`bad labels: ${line}`);
    const name = line.slice(i, equals).trim();
    let value = '';
    for (i = equals + 2; line[i] !== '"'; i++) {
      if (i >= line.length) throw new Error(`unterminated label value: ${line}`);
      if (line[i] === '\\') {
        i++;
        value += line[i] === 'n' ? '\n' : line[i];
      } else value += line[i];
    }
    labels[name] = value;
    i++;
  }
}

/**
 * The Prometheus number spelling: also `+Inf`, `-Inf`, `NaN`, in any case as Prometheus's own parser
 * (Go's ParseFloat) reads them; prom-client writes an empty event-loop-lag mean as `Nan`.
 */
function parseNumber(text: string, line: string): number {
  const word = text.toLowerCase();
  if (word === 'nan') return NaN;
  const value = word === '+inf' || word === 'inf' ? Infinity : word === '-inf' ? -Infinity : Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value: ${line}`);
  return value;
}

/** Every family of a page with its samples; a sample before any `# TYPE` is its own untyped family. */
export function parsePrometheusText(text: string): Families {
  const families: Families = new Map();
  const family = (name: string): MetricFamily => {
    let found = families.get(name);
    if (!found) {
      found = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, found);
    }
    return found;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (kind === 'TYPE') family(name!).type = rest!;
      else family(name!).help = rest!;
      continue;
    }
    if (line.startsWith('#')) continue;
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`bad sample: ${line}`);
    const name = line.slice(0, nameEnd);
    const { labels, end } = line[nameEnd] === '{' ? parseLabels(line, nameEnd) : { labels: {}, end: nameEnd };
    const [valueText] = line.slice(end).trim().split(/\s+/);
    const sample = { name, labels, value: parseNumber(valueText ?? '', line) };
    const base = HISTOGRAM_SUFFIXES.filter((suffix) => name.endsWith(suffix))
      .map((suffix) => name.slice(0, -suffix.length))
      .find((b) => ['histogram', 'summary'].includes(families.get(b)?.type ?? ''));
    family(base ?? name).samples.push(sample);
  }
  return families;
}

export async function scrape(url: string): Promise<Families> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return parsePrometheusText(await response.text());
}

function matching(
  families: Families,
  family: string,
  series: string,
  labels: Record<string, string>,
): Sample[] {
  return (families.get(family)?.samples ?? []).filter(
    (s) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The sum of a counter's or gauge's samples with these labels (0 when there are none yet). */
export function value(families: Families, name: string, labels: Record<string, string> = {}): number {
  return matching(families, name, name, labels).reduce((sum, s) => sum + s.value, 0);
}

/** A histogram's observation count over the series with these labels. */
export function observations(families: Families, name: string, labels: Record<string, string> = {}): number {
  return matching(families, name, `${name}_count`, labels).reduce((sum, s) => sum + s.value, 0);
}

/** A histogram's cumulative bucket counts (by `le`) over the series with these labels. */
export function buckets(
  families: Families,
  name: string,
  labels: Record<string, string> = {},
): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sample of matching(families, name, `${name}_bucket`, labels)) {
    const le = sample.labels.le!;
    counts.set(le, (counts.get(le) ?? 0) + sample.value);
  }
  return counts;
}
