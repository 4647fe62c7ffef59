import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { kubeTools } from '../k8s/harness.js';
import { allQueries, chartFile, dashboard, metricNames, ruleGroups } from './monitoring.js';

test('the Grafana dashboard is a dashboard: unique panel ids, a query per target, no overlapping panels', () => {
  const board = dashboard();
  assert.equal(board.uid, 'eventpipe');
  assert.ok(board.panels.length >= 10);
  assert.equal(new Set(board.panels.map((p) => p.id)).size, board.panels.length);
  for (const panel of board.panels) {
    assert.ok(panel.targets.length > 0, panel.title);
    for (const target of panel.targets) assert.ok(metricNames(target.expr).length > 0, target.expr);
  }
  const titles = board.panels.map((p) => p.title.toLowerCase()).join('\n');
  for (const topic of [
    'events in',
    'rejected',
    'lag',
    'event to warehouse',
    'step',
    'dead letters',
    'pods',
    'operator reconciles',
    'operator leader',
  ]) {
    assert.ok(titles.includes(topic), `no panel about ${topic}`);
  }
});

test('every alert has an expression, a severity and a description linking its runbook section', () => {
  const docs = chartFile('../../docs/operations.md');
  const anchors = new Set(
    [...docs.matchAll(/^#{2,3} (.+)$/gm)].map(([, heading]) =>
      heading!
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  const rules = ruleGroups().groups.flatMap((g) => g.rules);
  const names = rules.map((r) => r.alert);
  for (const expected of [
    'EventpipeConsumerLagGrowing',
    'EventpipeNoCommit',
    'EventpipeDeadLetters',
    'EventpipeCollectorUnavailable',
    'EventpipeCollectorSlow',
    'EventpipeOperatorReconcileErrors',
  ]) {
    assert.ok(names.includes(expected), `no ${expected}`);
  }
  for (const rule of rules) {
    assert.ok(metricNames(rule.expr).length > 0, rule.alert);
    assert.match(rule.labels.severity, /^(warning|critical)$/);
    if (rule.for !== undefined) assert.match(rule.for, /^\d+[smh]$/);
    const link = /docs\/operations\.md#([a-z0-9-]+)/.exec(rule.annotations.description);
    assert.ok(link, `${rule.alert}: no runbook link`);
    assert.ok(anchors.has(link[1]!), `${rule.alert}: docs/operations.md has no section #${link[1]}`);
  }
});

test('the chart templates render the files the tests check, behind their values switches', () => {
  const rule = chartFile('templates/prometheusrule.yaml');
  assert.match(rule, /\{\{- if \.Values\.monitoring\.prometheusRule\.enabled \}\}/);
  assert.match(rule, /kind: PrometheusRule/);
  assert.match(rule, /\.Files\.Get "rules\/alerts\.yaml"/);
  const board = chartFile('templates/grafana-dashboard.yaml');
  assert.match(board, /\{\{- if \.Values\.monitoring\.grafanaDashboard\.enabled \}\}/);
  assert.match(board, /grafana_dashboard: "1"/);
  assert.match(board, /\.Files\.Get "dashboards\/eventpipe\.json"/);
  assert.ok(allQueries().length > 20);
});

test('helm renders both objects from those files when their switches are on, and neither by default', () => {
  const chart = fileURLToPath(new URL('../../../charts/eventpipe', import.meta.url));
  const render = (...set: string[]) => {
    const result = spawnSync(kubeTools().helm, ['template', 'ep', chart, '--namespace', 'obs', ...set], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    return parseAllDocuments(result.stdout)
      .map(
        (d) =>
          d.toJS() as {
            kind: string;
            metadata: { labels?: Record<string, string> };
            spec?: unknown;
            data?: Record<string, string>;
          } | null,
      )
      .filter((o) => o !== null);
  };
  const kinds = (objects: ReturnType<typeof render>) => objects.map((o) => o.kind);
  assert.ok(!kinds(render()).includes('PrometheusRule'));
  const objects = render(
    '--set',
    'monitoring.prometheusRule.enabled=true',
    '--set',
    'monitoring.grafanaDashboard.enabled=true',
  );
  const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
  assert.deepEqual(rule.spec, ruleGroups());
  const board = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')!;
  assert.deepEqual(JSON.parse(board.data!['eventpipe.json']!), dashboard());
});
