/**
 * The Helm chart: lint, template with good values (every object valid for a current Kubernetes,
 * RBAC least privilege) and bad ones (the values schema rejects them), then `helm install` into a
 * real kube-apiserver: the CRD is served with its defaults, validation and printer columns, the
 * rendered objects are accepted by server-side apply, and uninstall keeps the CRD and pipelines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { desiredObjects, type EventPipeline } from '@eventpipe/operator';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { kubeSkip, kubeTools, startKube } from './harness.js';
import { validateObject } from './validate.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const chart = join(root, 'charts', 'eventpipe');
const example = join(root, 'examples', 'kubernetes', 'postgres.yaml');

function helm(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(kubeTools().helm, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function template(...set: string[]): Json[] {
  const { code, stdout, stderr } = helm(['template', 'ep', chart, '--namespace', 'eventpipe-system', ...set]);
  assert.equal(code, 0, stderr);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as Json | null)
    .filter((o): o is Json => o !== null);
}

test('helm lint --strict passes', () => {
  const { code, stdout, stderr } = helm(['lint', chart, '--strict']);
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /0 chart\(s\) failed/);
});

test('helm template: valid objects, two leader-elected replicas, least-privilege RBAC', async () => {
  const objects = template();
  assert.deepEqual(objects.map((o) => o.kind).sort(), [
    'ClusterRole',
    'ClusterRoleBinding',
    'CustomResourceDefinition',
    'Deployment',
    'Role',
    'RoleBinding',
    'ServiceAccount',
  ]);
  for (const o of objects) assert.deepEqual(await validateObject(o), [], `${o.kind}/${o.metadata.name}`);

  const deployment = objects.find((o) => o.kind === 'Deployment')!;
  assert.equal(deployment.spec.replicas, 2);
  const container = deployment.spec.template.spec.containers[0];
  assert.deepEqual(container.args, ['operator']);
  const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value ?? e.valueFrom]));
  assert.equal(env.EVENTPIPE_OPERATOR_LEADER_ELECTION, 'true');
  assert.deepEqual(env.POD_NAMESPACE, { fieldRef: { fieldPath: 'metadata.namespace' } });
  assert.equal(env.EVENTPIPE_OPERATOR_IMAGE, 'eventpipe/eventpipe:0.1.0');
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);

  const crd = objects.find((o) => o.kind === 'CustomResourceDefinition')!;
  assert.equal(crd.metadata.annotations['helm.sh/resource-policy'], 'keep');
  const generated = parse(readFileSync(join(root, 'crds', 'eventpipe.io_eventpipelines.yaml'), 'utf8'));
  assert.deepEqual(crd.spec, generated.spec, 'the chart installs the CRD in crds/');

  const rules: Json[] = objects.find((o) => o.kind === 'ClusterRole')!.rules;
  for (const rule of rules) {
    for (const field of ['apiGroups', 'resources', 'verbs'])
      assert.ok(!rule[field].includes('*'), `no wildcard ${field}`);
  }
  const secrets = rules.filter((r) => r.resources.includes('secrets'));
  assert.deepEqual(
    secrets.map((r) => r.verbs),
    [['get']],
    'Secrets are read one by one, never listed or watched',
  );
  const leases = objects.find((o) => o.kind === 'Role')!;
  assert.equal(leases.metadata.namespace, 'eventpipe-system', 'Leases only in the release namespace');

  const scoped = template('--set', 'watchNamespaces={shop,blog}', '--set', 'crds.install=false');
  assert.ok(!scoped.some((o) => o.kind === 'ClusterRole' || o.kind === 'CustomResourceDefinition'));
  assert.deepEqual(
    scoped
      .filter((o) => o.kind === 'RoleBinding')
      .map((o) => o.metadata.namespace)
      .sort(),
    ['blog', 'eventpipe-system', 'shop'],
  );
  const monitored = template(
    '--set',
    'monitoring.serviceMonitor.enabled=true',
    '--api-versions',
    'monitoring.coreos.com/v1/ServiceMonitor',
  );
  assert.ok(monitored.some((o) => o.kind === 'ServiceMonitor'));
});

test("helm template: a PodMonitor, off by default, scrapes the metrics ports of the operator's pipeline pods", () => {
  assert.ok(!template().some((o) => o.kind === 'PodMonitor'));
  const enabled = (...set: string[]) =>
    template(
      '--set',
      'monitoring.podMonitor.enabled=true',
      '--api-versions',
      'monitoring.coreos.com/v1/PodMonitor',
      ...set,
    ).filter((o) => o.kind === 'PodMonitor');
  const [monitor, ...others] = enabled('--set', 'monitoring.podMonitor.labels.release=prom');
  assert.equal(others.length, 0);
  new PodMonitor(monitor as ConstructorParameters<typeof PodMonitor>[0]).validate();
  assert.equal(monitor!.metadata.labels.release, 'prom');
  assert.deepEqual(monitor!.spec.namespaceSelector, { any: true });
  assert.deepEqual(enabled('--set', 'watchNamespaces={shop,blog}')[0]!.spec.namespaceSelector, {
    matchNames: ['shop', 'blog'],
  });

  // What it selects and scrapes is what the operator renders: both components' pods, each by a
  // port it has, and only those pods.
  const pipeline = parseAllDocuments(readFileSync(example, 'utf8'))
    .map((d) => d.toJS() as Json)
    .find((o) => o?.kind === 'EventPipeline') as EventPipeline;
  const pods = desiredObjects(pipeline, { operatorImage: 'eventpipe/eventpipe:0.1.0', loaderReplicas: 1 })
    .filter((o) => o.kind === 'Deployment')
    .map((o) => (o as Json).spec.template);
  assert.equal(pods.length, 2);
  const { matchLabels, matchExpressions } = monitor!.spec.selector;
  const selects = (labels: Record<string, string>) =>
    Object.entries(matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v) &&
    (matchExpressions as { key: string; values: string[] }[]).every((e) => e.values.includes(labels[e.key]!));
  const endpoints: string[] = monitor!.spec.podMetricsEndpoints.map((e: Json) => e.port);
  for (const pod of pods) {
    const component = pod.metadata.labels['app.kubernetes.io/component'];
    assert.ok(selects(pod.metadata.labels), `the ${component} pods are selected`);
    const ports: string[] = pod.spec.containers.flatMap((c: Json) =>
      (c.ports ?? []).map((p: Json) => p.name),
    );
    const scraped = endpoints.filter((port) => ports.includes(port));
    assert.deepEqual(scraped, [component === 'collector' ? 'metrics' : 'health'], component);
  }
  assert.ok(!selects({ ...pods[0].metadata.labels, 'app.kubernetes.io/component': 'operator' }));
});

test('helm template: the values schema rejects bad values, naming them', () => {
  const cases: [string[], RegExp][] = [
    [['--set', 'replicaCount=0'], /replicaCount/],
    [['--set', 'imge.tag=1'], /imge/],
    [['--set', 'logLevel=loud'], /logLevel/],
    [['--set', 'leaderElection.enabled=maybe'], /leaderElection\.enabled|enabled/],
    [['--set', 'watchNamespaces={Bad_NS}'], /watchNamespaces/],
    [['--set', 'monitoring.serviceMonitor.enabled=true'], /Prometheus operator/],
    [['--set', 'monitoring.podMonitor.enabled=true'], /Prometheus operator/],
    [['--set', 'monitoring.podMonitor.interval=often'], /interval/],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = helm(['template', 'ep', chart, ...args]);
    assert.notEqual(code, 0, args.join(' '));
    assert.match(stderr, message, args.join(' '));
  }
});

test(
  'helm install into a real API server: CRD served, printer columns, SSA of rendered objects, uninstall keeps data',
  { skip: kubeSkip() },
  async () => {
    const kube = await startKube({ controllerManager: false });
    const env = { KUBECONFIG: kube.kubeconfigPath };
    const kubectl = (args: string[], input?: string) => {
      const result = spawnSync(kubeTools().kubectl, args, {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        input,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const ok = (args: string[], input?: string) => {
      const result = kubectl(args, input);
      assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    try {
      const installed = helm(
        ['install', 'ep', chart, '--namespace', 'eventpipe-system', '--create-namespace'],
        env,
      );
      assert.equal(installed.code, 0, installed.stderr);
      assert.match(installed.stdout, /kubectl get eventpipelines/, 'NOTES tell the next step');
      ok(['wait', '--for=condition=Established', 'crd/eventpipelines.eventpipe.io', '--timeout=60s']);

      // The example, Secrets included, is accepted; the API server applies the schema's defaults.
      ok(['apply', '-f', example]);
      const stored = JSON.parse(
        ok(['get', 'eventpipeline', 'product', '-n', 'analytics', '-o', 'json']),
      ) as EventPipeline;
      assert.equal(stored.spec.deletionPolicy, 'Retain');
      assert.equal(
        stored.spec.collector.service.type,
        'ClusterIP',
        'nested defaults under a defaulted parent',
      );
      assert.equal(stored.spec.nats.stream.duplicateWindow, '10m');
      assert.equal(stored.spec.loader.terminationGracePeriodSeconds, 120);
      assert.equal(
        ok(['get', 'epl', '-n', 'analytics', '-o', 'name']).trim(),
        'eventpipeline.eventpipe.io/product',
      );

      // The CRD schema rejects what it can, naming the field.
      const bad = readFileSync(example, 'utf8')
        .replace('maxAge: 168h', 'maxAge: a week')
        .replace('name: product', 'name: broken');
      const rejected = kubectl(['apply', '-f', '-'], bad);
      assert.notEqual(rejected.code, 0);
      assert.match(rejected.stderr, /spec\.nats\.stream\.maxAge/);

      // Status is a subresource; the printer columns read it.
      ok([
        'patch',
        'eventpipeline',
        'product',
        '-n',
        'analytics',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({
          status: {
            observedGeneration: 1,
            collectors: { desired: 2, ready: 2 },
            loaders: { desired: 1, ready: 1 },
            lag: 42,
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'Available',
                message: 'all good',
                lastTransitionTime: '2026-01-01T00:00:00Z',
                observedGeneration: 1,
              },
            ],
          },
        }),
      ]);
      const table = ok(['get', 'eventpipelines', '-n', 'analytics'])
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/));
      assert.deepEqual(table[0], ['NAME', 'READY', 'COLLECTORS', 'LOADERS', 'LAG', 'REASON', 'AGE']);
      assert.deepEqual(table[1]!.slice(0, 6), ['product', 'True', '2', '1', '42', 'Available']);

      // Every rendered object the 1.20 server serves is accepted by server-side apply under one
      // field manager (autoscaling/v2 and policy/v1 arrive in 1.23 and 1.21; validated by schema above).
      const objects = desiredObjects(stored, {
        operatorImage: 'eventpipe/eventpipe:0.1.0',
        loaderReplicas: 1,
      });
      const served = objects.filter((o) => o.apiVersion !== 'autoscaling/v2' && o.apiVersion !== 'policy/v1');
      assert.equal(served.length, 6);
      const manifest = served.map((o) => stringify(o)).join('---\n');
      ok(['apply', '--server-side', '--field-manager=eventpipe-operator', '-f', '-'], manifest);
      ok(['apply', '--server-side', '--field-manager=eventpipe-operator', '-f', '-'], manifest);
      const deployment = JSON.parse(
        ok(['get', 'deployment', 'product-collector', '-n', 'analytics', '-o', 'json']),
      );
      assert.equal(deployment.metadata.ownerReferences[0].uid, stored.metadata.uid);

      // The operator's ServiceAccount may do what reconciling needs, and no more.
      const as = ['--as', 'system:serviceaccount:eventpipe-system:ep-eventpipe'];
      const can = (...args: string[]) => kubectl(['auth', 'can-i', ...args, ...as]).stdout.trim();
      assert.equal(can('list', 'eventpipelines.eventpipe.io', '--all-namespaces'), 'yes');
      assert.equal(
        can('patch', 'eventpipelines.eventpipe.io', '--subresource=status', '-n', 'analytics'),
        'yes',
      );
      assert.equal(can('patch', 'deployments.apps', '-n', 'analytics'), 'yes');
      assert.equal(can('create', 'leases.coordination.k8s.io', '-n', 'eventpipe-system'), 'yes');
      assert.equal(can('get', 'secrets', '-n', 'analytics'), 'yes');
      assert.equal(can('list', 'secrets', '-n', 'analytics'), 'no');
      assert.equal(can('create', 'leases.coordination.k8s.io', '-n', 'analytics'), 'no');
      assert.equal(can('delete', 'eventpipelines.eventpipe.io', '-n', 'analytics'), 'no');
      assert.equal(can('create', 'pods', '-n', 'analytics'), 'no');
      assert.equal(can('delete', 'namespaces'), 'no');

      // An upgrade applies new values and keeps the CRD served.
      const upgraded = helm(
        ['upgrade', 'ep', chart, '--namespace', 'eventpipe-system', '--set', 'replicaCount=3'],
        env,
      );
      assert.equal(upgraded.code, 0, upgraded.stderr);
      const operator = JSON.parse(
        ok(['get', 'deployment', 'ep-eventpipe', '-n', 'eventpipe-system', '-o', 'json']),
      );
      assert.equal(operator.spec.replicas, 3);
      ok(['get', 'eventpipeline', 'product', '-n', 'analytics']);

      // Uninstalling the chart keeps the CRD and every pipeline.
      const uninstalled = helm(['uninstall', 'ep', '--namespace', 'eventpipe-system'], env);
      assert.equal(uninstalled.code, 0, uninstalled.stderr);
      ok(['get', 'crd', 'eventpipelines.eventpipe.io']);
      ok(['get', 'eventpipeline', 'product', '-n', 'analytics']);
    } finally {
      await kube.stop();
    }
  },
);
