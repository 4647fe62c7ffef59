/**
 * The operator as the Helm chart's ServiceAccount (impersonation, so RBAC is checked by the real API
 * server): two replicas elect one leader through a Lease in the release namespace, the leader
 * reconciles with no more rights than the chart grants, and the other takes over when it stops —
 * at once when the leader releases the Lease, after the lease duration when the leader is killed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepProcessOutput } from '../secrets.js';
import { startNats, type NatsServer } from '@eventpipe/local';
import { KubeClient, isStatus, startOperator, type RunningOperator } from '@eventpipe/operator';
import { kubeSkip, kubeTools, startKube, type KubeCluster } from './harness.js';
import {
  condition,
  createNamespaceWithSecrets,
  eventually,
  pipelineManifest,
  pipelinePath,
  root,
  testLog,
  type PipelineObject,
} from './cluster.js';

const RELEASE_NS = 'eventpipe-system';
const SERVICE_ACCOUNT = `system:serviceaccount:${RELEASE_NS}:ep-eventpipe`;
const NS = 'team-a';
const LEASE_PATH = `/apis/coordination.k8s.io/v1/namespaces/${RELEASE_NS}/leases/eventpipe-operator`;

interface LeaseObject {
  spec: { holderIdentity?: string | null; leaseTransitions?: number };
}

describe('operator with the chart RBAC and leader election', { skip: kubeSkip() }, () => {
  let kube: KubeCluster;
  let nats: NatsServer;
  let admin: KubeClient;
  const operators: RunningOperator[] = [];
  const started = Date.now();

  const startReplica = (identity: string) =>
    startOperator({
      kubeConfig: kube.kubeConfig({ impersonate: SERVICE_ACCOUNT }),
      log: testLog.child({ identity }),
      image: 'eventpipe/eventpipe:test',
      leaseNamespace: RELEASE_NS,
      leaseName: 'eventpipe-operator',
      identity,
      leaseDurationSeconds: 2,
      renewPeriodMs: 400,
      retryPeriodMs: 300,
      pollMs: 500,
      resyncMs: 2000,
    });

  before(async () => {
    [kube, nats] = await Promise.all([
      startKube({ controllers: ['garbagecollector', 'namespace'] }),
      startNats(),
    ]);
    admin = new KubeClient(kube.kubeConfig());
    const helm = spawnSync(
      kubeTools().helm,
      [
        'install',
        'ep',
        join(root, 'charts', 'eventpipe'),
        '--namespace',
        RELEASE_NS,
        '--create-namespace',
        '--kubeconfig',
        kube.kubeconfigPath,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(helm.status, 0, helm.stderr);
    await createNamespaceWithSecrets(admin, NS);
  });

  after(async () => {
    await Promise.all(operators.map((o) => o.stop()));
    await Promise.all([kube?.stop(), nats?.dispose()]);
    console.log(`# operator HA suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  test('the chart ServiceAccount may do what the operator needs and no more', async () => {
    const sa = new KubeClient(kube.kubeConfig({ impersonate: SERVICE_ACCOUNT }));
    const forbidden = async (method: string, path: string, body?: unknown) =>
      assert.rejects(sa.request(method, path, { body }), (e) => isStatus(e, 403), `${method} ${path}`);
    await forbidden('GET', `/api/v1/namespaces/${NS}/secrets`); // get one by name only, never list
    await forbidden('GET', '/api/v1/pods');
    await forbidden('DELETE', `/api/v1/namespaces/${NS}`);
    await forbidden('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: 'x' },
      rules: [],
    });
    await forbidden('GET', `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`); // Leases only at home
  });

  test('two replicas: one leader reconciles as the ServiceAccount; the other takes over when it stops', async () => {
    operators.push(await startReplica('replica-a'), await startReplica('replica-b'));
    const leaders = () => operators.filter((o) => o.isLeader());
    await eventually(() => assert.equal(leaders().length, 1));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(leaders().length, 1, 'still exactly one leader after several renew periods');

    await admin.request('POST', pipelinePath(NS), { body: pipelineManifest(NS, 'orders', nats.url) });
    await eventually(async () => {
      const p = await admin.get<PipelineObject>(pipelinePath(NS, 'orders'));
      assert.equal(p.status?.observedGeneration, 1);
      assert.equal(condition(p, 'StreamReady').status, 'True');
      await admin.get(`/apis/apps/v1/namespaces/${NS}/deployments/orders-loader`);
    });

    const leader = leaders()[0]!;
    await leader.stop();
    operators.splice(operators.indexOf(leader), 1);
    await eventually(() => assert.equal(operators[0]!.isLeader(), true), 10_000);

    await admin.request('PATCH', pipelinePath(NS, 'orders'), {
      contentType: 'application/merge-patch+json',
      body: { spec: { loader: { batch: { maxEvents: 4242 } } } },
    });
    await eventually(async () => {
      const cm = await admin.get<{ data: Record<string, string> }>(
        `/api/v1/namespaces/${NS}/configmaps/orders-config`,
      );
      assert.equal(cm.data.EVENTPIPE_LOADER_BATCH_MAX_EVENTS, '4242');
      assert.equal(
        (await admin.get<PipelineObject>(pipelinePath(NS, 'orders'))).status?.observedGeneration,
        2,
      );
    });
  });
  test('a leader killed with SIGKILL keeps the Lease until it lapses; then the other replica leads and reconciles', async () => {
    // The previous test's survivor steps aside (releasing the Lease) so the CLI process leads.
    await Promise.all(operators.splice(0).map((o) => o.stop()));
    const kubeconfig = join(kube.dir, 'operator-sa.kubeconfig');
    writeFileSync(kubeconfig, kube.kubeConfig({ impersonate: SERVICE_ACCOUNT }).exportConfig());
    const leaseSeconds = 3;
    const child = spawn(process.execPath, [join(root, 'cli', 'bin', 'eventpipe.js'), 'operator'], {
      env: {
        PATH: process.env.PATH,
        KUBECONFIG: kubeconfig,
        POD_NAMESPACE: RELEASE_NS,
        POD_NAME: 'replica-killed',
        EVENTPIPE_OPERATOR_LEASE_DURATION_SECONDS: String(leaseSeconds),
        EVENTPIPE_OPERATOR_HEALTH_PORT: '0',
        EVENTPIPE_OPERATOR_IMAGE: 'eventpipe/eventpipe:test',
        EVENTPIPE_LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', () => keepProcessOutput('eventpipe operator', output));
    try {
      await eventually(async () => {
        const lease = await admin.get<LeaseObject>(LEASE_PATH);
        assert.equal(lease.spec.holderIdentity, 'replica-killed');
      });
      const survivor = await startOperator({
        kubeConfig: kube.kubeConfig({ impersonate: SERVICE_ACCOUNT }),
        log: testLog.child({ identity: 'replica-c' }),
        image: 'eventpipe/eventpipe:test',
        leaseNamespace: RELEASE_NS,
        identity: 'replica-c',
        leaseDurationSeconds: leaseSeconds,
        pollMs: 500,
      });
      operators.push(survivor);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(survivor.isLeader(), false, 'the live CLI leader keeps renewing');

      child.kill('SIGKILL');
      await once(child, 'exit');
      const killedAt = Date.now();
      const lease = await admin.get<LeaseObject>(LEASE_PATH);
      assert.equal(lease.spec.holderIdentity, 'replica-killed', 'a killed leader releases nothing');

      await eventually(() => assert.equal(survivor.isLeader(), true), 15_000);
      const tookOver = Date.now() - killedAt;
      assert.ok(
        tookOver >= (leaseSeconds - 1) * 1000,
        `took over after ${tookOver} ms, before the lease lapsed`,
      );
      const taken = await admin.get<LeaseObject>(LEASE_PATH);
      assert.equal(taken.spec.holderIdentity, 'replica-c');

      await admin.request('PATCH', pipelinePath(NS, 'orders'), {
        contentType: 'application/merge-patch+json',
        body: { spec: { loader: { batch: { maxEvents: 777 } } } },
      });
      await eventually(async () => {
        const cm = await admin.get<{ data: Record<string, string> }>(
          `/api/v1/namespaces/${NS}/configmaps/orders-config`,
        );
        assert.equal(cm.data.EVENTPIPE_LOADER_BATCH_MAX_EVENTS, '777');
        assert.equal(
          (await admin.get<PipelineObject>(pipelinePath(NS, 'orders'))).status?.observedGeneration,
          3,
        );
      });
      console.log(`# killed leader's Lease taken over after ${tookOver} ms (lease ${leaseSeconds} s)`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  test('a missing Secret or key: SecretMissing condition and Event, naming no value; cleared when it appears', async () => {
    // The previous test's survivor leads, as the chart's ServiceAccount: Secrets `get` is enough.
    assert.equal(operators.filter((o) => o.isLeader()).length, 1);
    await admin.request('POST', pipelinePath(NS), {
      body: pipelineManifest(NS, 'late', nats.url, {
        sources: [{ name: 'web', writeKeySecretRef: { name: 'late-keys', key: 'web' } }],
        warehouse: { type: 'postgres', connectionSecretRef: { name: 'warehouse', key: 'dsn' } },
      }),
    });
    const expected =
      'Secret "late-keys" not found (spec.sources[web].writeKeySecretRef); ' +
      'Secret "warehouse" has no key "dsn" (spec.warehouse.connectionSecretRef)';
    const events = async (reason: string) =>
      (
        await admin.get<{ items: { reason: string; type: string; message: string }[] }>(
          `/api/v1/namespaces/${NS}/events`,
          { fieldSelector: `involvedObject.name=late,reason=${reason}` },
        )
      ).items;
    await eventually(async () => {
      const p = await admin.get<PipelineObject>(pipelinePath(NS, 'late'));
      assert.equal(condition(p, 'Degraded').status, 'True');
      assert.equal(condition(p, 'Degraded').reason, 'SecretMissing');
      // Kubernetes 1.20 serves neither autoscaling/v2 nor policy/v1: those follow the Secrets.
      assert.ok(
        condition(p, 'Degraded').message.startsWith(`${expected}; `),
        condition(p, 'Degraded').message,
      );
      assert.equal(condition(p, 'Ready').message, expected);
      assert.equal(condition(p, 'Ready').status, 'False');
      assert.equal(condition(p, 'Ready').reason, 'SecretMissing');
      assert.doesNotMatch(JSON.stringify(p.status), /secret-value/);
      const warnings = await events('SecretMissing');
      assert.equal(warnings.length, 1, 'one Event per change, not one per poll');
      assert.equal(warnings[0]!.type, 'Warning');
      assert.equal(warnings[0]!.message, expected);
    });

    await admin.request('POST', `/api/v1/namespaces/${NS}/secrets`, {
      body: { metadata: { name: 'late-keys' }, stringData: { web: 'late-secret-value' } },
    });
    await admin.request('PATCH', `/api/v1/namespaces/${NS}/secrets/warehouse`, {
      contentType: 'application/merge-patch+json',
      body: { stringData: { dsn: 'postgres://u:dsn-secret-value@db:5432/a' } },
    });
    await eventually(async () => {
      const p = await admin.get<PipelineObject>(pipelinePath(NS, 'late'));
      assert.equal(condition(p, 'Degraded').reason, 'APIVersionsNotServed');
      assert.doesNotMatch(condition(p, 'Degraded').message, /Secret/);
      assert.notEqual(condition(p, 'Ready').reason, 'SecretMissing');
      assert.equal((await events('SecretsFound')).length, 1);
    });
    const all = await admin.get<{ items: unknown[] }>(`/api/v1/namespaces/${NS}/events`);
    assert.doesNotMatch(JSON.stringify(all), /secret-value/);
  });
});
