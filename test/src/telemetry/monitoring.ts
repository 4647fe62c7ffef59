/**
 * The chart's monitoring files (Grafana dashboard, PrometheusRule groups) as the tests read them:
 * parsed, and the eventpipe metric names every query uses.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const CHART = fileURLToPath(new URL('../../../charts/eventpipe/', import.meta.url));

export interface Dashboard {
  uid: string;
  title: string;
  panels: { id: number; title: string; type: string; targets: { refId: string; expr: string }[] }[];
}

export interface RuleGroups {
  groups: {
    name: string;
    rules: {
      alert: string;
      expr: string;
      for?: string;
      labels: { severity: string };
      annotations: { summary: string; description: string };
    }[];
  }[];
}

export const chartFile = (path: string) => readFileSync(CHART + path, 'utf8');
export const dashboard = () => JSON.parse(chartFile('dashboards/eventpipe.json')) as Dashboard;
export const ruleGroups = () => parse(chartFile('rules/alerts.yaml')) as RuleGroups;

/** Every PromQL expression of the dashboard and the alerts. */
export function allQueries(): string[] {
  return [
    ...dashboard().panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...ruleGroups().groups.flatMap((g) => g.rules.map((r) => r.expr)),
  ];
}

/** The eventpipe metric names an expression reads (series names, `_bucket` etc. included). */
export function metricNames(expr: string): string[] {
  return [...new Set(expr.match(/\beventpipe_[a-z0-9_]+/g) ?? [])];
}

/** Series names a `/metrics` page exposes, from its `# TYPE` lines (histograms: _bucket, _sum, _count). */
export function exposedSeries(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/**
 * The metric names of docs/operations.md's metrics table. A row may name a sibling by its suffix
 * (`eventpipe_loader_batch_events`, `_batch_bytes`): it shares the component prefix of the row's first name.
 */
export function documentedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const row of chartFile('../../docs/operations.md').split('\n')) {
    const first = /^\| `(eventpipe_(?:collector|loader|operator)?)[a-z0-9_]*`/.exec(row);
    if (!row.startsWith('| `eventpipe_')) continue;
    const cell = row.split('|')[1]!;
    for (const [, name] of cell.matchAll(/`(_?[a-z0-9_]+)`/g)) {
      names.add(name!.startsWith('_') ? `${first?.[1]?.replace(/_$/, '') ?? 'eventpipe'}${name}` : name!);
    }
  }
  return names;
}

/** Families of a page that are eventpipe's own (not prom-client's process and Node.js defaults). */
export function ownFamilies(text: string): string[] {
  return [...text.matchAll(/^# TYPE (eventpipe_\S+) /gm)]
    .map(([, name]) => name!)
    .filter((name) => !/^eventpipe_(collector|loader|operator)_(process|nodejs)_/.test(name));
}
