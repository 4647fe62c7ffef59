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
