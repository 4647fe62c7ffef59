/**
 * The operator against a real kube-apiserver 1.20 (+ the garbage collector) and a real nats-server:
 * reconcile, spec changes, drift repair, availability from Deployment status, pause, deletion with
 * each deletionPolicy, the conditions for APIs 1.20 does not serve, an API server restart mid-watch,
 * and loader scaling on lag. There is no kubelet: Deployment status is set by the test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNats, type NatsServer } from '@eventpipe/local';
import { startHealthServer, type HealthServer } from '@eventpipe/core';
import { startTelemetry, type Telemetry } from '@eventpipe/core/telemetry';
import { KubeClient, startOperator, type RunningOperator } from '@eventpipe/operator';
import { kubeSkip, startKube, type KubeCluster } from './harness.js';
import { observations, scrape, value, type Families } from '../telemetry/scrape.js';
import {
  condition,
  createNamespaceWithSecrets,
  eventually,
  gone,
  installCrd,
  markDeploymentAvailable,
  pipelineManifest,
  pipelinePath,
  testLog,
  type PipelineObject,
} from './cluster.js';

const NS = 'shop';

interface Deployment {
  metadata: { generation: number };
  spec: { replicas?: number; template: { spec: { containers: { image: string; env?: unknown[] }[] } } };
}

describe('operator against a real API server', { skip: kubeSkip() }, () => {
  let kube: KubeCluster;
  let nats: NatsServer;
  let nc: NatsConnection;
  let client: KubeClient;
  let operator: RunningOperator;
  let health: HealthServer;
  let telemetry: Telemetry;
  const spans = new tracing.InMemorySpanExporter();
  const started = Date.now();

  before(async () => {
    telemetry = startTelemetry({
      serviceName: 'eventpipe-operator',
      env: {},
      spanProcessors: [new tracing.SimpleSpanProcessor(spans)],
    });
    [kube, nats] = await Promise.all([
      startKube({ controllers: ['garbagecollector', 'namespace'] }),
      startNats(),
    ]);
    nc = await connect({ servers: nats.url });
    client = new KubeClient(kube.kubeConfig());
    await installCrd(client);
    await createNamespaceWithSecrets(client, NS);
    operator = await startOperator({
      kubeConfig: kube.kubeConfig(),
      log: testLog,
      image: 'eventpipe/eventpipe:test',
      leaseNamespace: 'default',
      identity: 'solo',
      pollMs: 300,
      resyncMs: 1500,
    });
    // Served as `eventpipe operator` serves it on its health port.
    health = await startHealthServer(
      '127.0.0.1',
      0,
      { notLive: () => undefined, notReady: () => undefined },
      operator.metrics.registry,
    );
  });

  after(async () => {
    await health?.close();
    await operator?.stop();
    await nc?.close();
    await Promise.all([kube?.stop(), nats?.dispose(), telemetry?.shutdown()]);
    console.log(`# operator suite: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  const getPipeline = (name: string) => client.get<PipelineObject>(pipelinePath(NS, name));
  const getDeployment = (name: string) =>
    client.get<Deployment>(`/apis/apps/v1/namespaces/${NS}/deployments/${name}`);

  test('a pipeline becomes its objects, stream and consumer; 1.20 lacks autoscaling/v2 and policy/v1', async () => {
    await client.request('POST', pipelinePath(NS), { body: pipelineManifest(NS, 'web', nats.url) });
    const collector = await eventually(() => getDeployment('web-collector'));
    assert.equal(collector.spec.template.spec.containers[0]!.image, 'eventpipe/eventpipe:test');
    assert.equal(collector.spec.replicas, 2, 'no HPA served: the Deployment carries collector.replicas.min');
    const loader = await eventually(() => getDeployment('web-loader'));
    assert.equal(loader.spec.replicas, 1);
    for (const path of [
      `/api/v1/namespaces/${NS}/services/web-collector`,
      `/api/v1/namespaces/${NS}/configmaps/web-config`,
      `/api/v1/namespaces/${NS}/serviceaccounts/web`,
      `/apis/networking.k8s.io/v1/namespaces/${NS}/networkpolicies/web`,
    ]) {
      const object = await client.get(path);
      assert.equal(object.metadata?.ownerReferences?.[0]?.kind, 'EventPipeline', path);
    }
    // Secrets are only referenced: no value reaches a ConfigMap or a Deployment.
    const configMap = JSON.stringify(await client.get(`/api/v1/namespaces/${NS}/configmaps/web-config`));
    assert.ok(!configMap.includes('secret-value') && !JSON.stringify(collector).includes('secret-value'));

    const jsm = await jetstreamManager(nc);
    const consumer = await jsm.consumers.info('EV_web', 'loader');
    assert.equal(consumer.config.ack_policy, AckPolicy.Explicit);

    const pipeline = await eventually(async () => {
      const p = await getPipeline('web');
      assert.equal(p.status?.observedGeneration, 1);
      assert.equal(condition(p, 'StreamReady').status, 'True');
      assert.equal(condition(p, 'Degraded').status, 'True');
      return p;
    });
    const degraded = condition(pipeline, 'Degraded');
    assert.equal(degraded.reason, 'APIVersionsNotServed');
    assert.match(
      degraded.message,
      /HorizontalPodAutoscaler skipped: the cluster does not serve autoscaling\/v2 \(needs Kubernetes 1\.23\+\)/,
    );
    assert.match(
      degraded.message,
      /PodDisruptionBudget skipped: the cluster does not serve policy\/v1 \(needs Kubernetes 1\.21\+\)/,
    );
    assert.equal(condition(pipeline, 'Ready').status, 'False');
    assert.equal(condition(pipeline, 'Ready').reason, 'MinimumReplicasUnavailable');
    assert.equal(pipeline.status?.lag, 0);
    assert.deepEqual(pipeline.metadata.finalizers ?? [], [], 'Retain: no finalizer');

    const events = await client.get<{ items: { reason: string; type: string }[] }>(
      `/api/v1/namespaces/${NS}/events`,
    );
    assert.ok(events.items.some((e) => e.reason === 'Applied' && e.type === 'Normal'));
    assert.ok(events.items.some((e) => e.reason === 'APIVersionsNotServed' && e.type === 'Warning'));
  });

  test('Deployment status drives CollectorsAvailable, LoadersAvailable and Ready; status writes do not loop', async () => {
    await markDeploymentAvailable(client, NS, 'web-collector', 2);
    let p = await eventually(async () => {
      const p = await getPipeline('web');
      assert.equal(condition(p, 'CollectorsAvailable').status, 'True');
      assert.equal(condition(p, 'LoadersAvailable').status, 'False');
      return p;
    });
    assert.equal(condition(p, 'Ready').status, 'False');
    await markDeploymentAvailable(client, NS, 'web-loader', 1);
    p = await eventually(async () => {
      const p = await getPipeline('web');
      assert.equal(condition(p, 'Ready').status, 'True');
      return p;
    });
    assert.deepEqual(p.status?.collectors, { desired: 2, ready: 2 });
    assert.deepEqual(p.status?.loaders, { desired: 1, ready: 1 });
    // Quiet for a while: the pipeline's resourceVersion must stay put (no status write per poll).
    const version = p.metadata.resourceVersion;
    const transition = condition(p, 'Ready').lastTransitionTime;
    await new Promise((r) => setTimeout(r, 2000));
    const later = await getPipeline('web');
    assert.equal(
      later.metadata.resourceVersion,
      version,
      `the operator rewrote an unchanged status:\n${JSON.stringify(p.status)}\n${JSON.stringify(later.status)}`,
    );
    assert.equal(condition(later, 'Ready').lastTransitionTime, transition);
  });

  test('a spec change changes the objects and observedGeneration follows', async () => {
    await client.request('PATCH', pipelinePath(NS, 'web'), {
      contentType: 'application/merge-patch+json',
      body: { spec: { collector: { service: { port: 8088 } }, loader: { batch: { maxEvents: 777 } } } },
    });
    await eventually(async () => {
      const service = await client.get<{ spec: { ports: { port: number }[] } }>(
        `/api/v1/namespaces/${NS}/services/web-collector`,
      );
      assert.equal(service.spec.ports[0]!.port, 8088);
      const configMap = await client.get<{ data: Record<string, string> }>(
        `/api/v1/namespaces/${NS}/configmaps/web-config`,
      );
      assert.equal(configMap.data.EVENTPIPE_LOADER_BATCH_MAX_EVENTS, '777');
      const p = await getPipeline('web');
      assert.equal(p.metadata.generation, 2);
      assert.equal(p.status?.observedGeneration, 2);
      assert.equal(condition(p, 'Ready').observedGeneration, 2);
    });
  });

  test('a Deployment edited by hand and a ConfigMap deleted by hand are repaired', async () => {
    await client.request('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/web-loader`, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          replicas: 7,
          template: { spec: { containers: [{ name: 'loader', image: 'evil/image:1' }] } },
        },
      },
    });
    await client.request('DELETE', `/api/v1/namespaces/${NS}/configmaps/web-config`);
    await eventually(async () => {
      const loader = await eventually(() => getDeployment('web-loader'));
      assert.equal(loader.spec.replicas, 1);
      assert.equal(loader.spec.template.spec.containers[0]!.image, 'eventpipe/eventpipe:test');
      await client.get(`/api/v1/namespaces/${NS}/configmaps/web-config`);
    });
  });

  test('eventpipe.io/paused stops reconciling and says so', async () => {
    await client.request('PATCH', pipelinePath(NS, 'web'), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'eventpipe.io/paused': 'true' } } },
    });
    await eventually(async () =>
      assert.equal(condition(await getPipeline('web'), 'ReconciliationPaused').status, 'True'),
    );
    await client.request('DELETE', `/api/v1/namespaces/${NS}/configmaps/web-config`);
    await new Promise((r) => setTimeout(r, 2000)); // longer than a resync
    await gone(client, `/api/v1/namespaces/${NS}/configmaps/web-config`);
    await client.request('PATCH', pipelinePath(NS, 'web'), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'eventpipe.io/paused': null } } },
    });
    await eventually(async () => {
      assert.equal(condition(await getPipeline('web'), 'ReconciliationPaused').status, 'False');
      await client.get(`/api/v1/namespaces/${NS}/configmaps/web-config`);
    });
  });

  test('/metrics counts reconciles by result, the leader and the pipelines by condition', async () => {
    const metricsUrl = `http://127.0.0.1:${health.port}/metrics`;
    const reconciles = (f: Families, result: string) =>
      value(f, 'eventpipe_operator_reconciles_total', { result });
    const before = await scrape(metricsUrl);
    assert.equal(value(before, 'eventpipe_operator_leader'), 1);
    assert.ok(reconciles(before, 'skipped_paused') > 0, 'the paused pipeline was counted as skipped');
    await client.request('PATCH', pipelinePath(NS, 'web'), {
      contentType: 'application/merge-patch+json',
      body: { spec: { loader: { batch: { maxEvents: 778 } } } },
    });
    await eventually(async () => {
      const p = await getPipeline('web');
      assert.equal(p.status?.observedGeneration, p.metadata.generation);
    });
    const after = await scrape(metricsUrl);
    assert.ok(reconciles(after, 'success') > reconciles(before, 'success'));
    const counted = (f: Families) =>
      ['success', 'error', 'skipped_paused', 'invalid_spec', 'finalized', 'gone'].reduce(
        (sum, result) => sum + reconciles(f, result),
        0,
      );
    // Every reconcile is both counted and timed.
    assert.equal(observations(after, 'eventpipe_operator_reconcile_duration_seconds'), counted(after));
    const pipelines = await client.get<{ items: unknown[] }>(pipelinePath(NS));
    assert.equal(
      value(after, 'eventpipe_operator_pipelines', { type: 'Ready' }),
      pipelines.items.length,
      'each pipeline has one Ready condition',
    );
    assert.equal(
      value(after, 'eventpipe_operator_pipelines', { type: 'ReconciliationPaused', status: 'True' }),
      0,
    );
  });

  test('each reconcile is a span with the pipeline and its result; a failure is recorded on it', async () => {
    const reconciles = (name: string) =>
      spans
        .getFinishedSpans()
        .filter(
          (s) => s.name === 'reconcile EventPipeline' && s.attributes['eventpipe.pipeline.name'] === name,
        );
    const ok = reconciles('web').find((s) => s.attributes['eventpipe.reconcile.result'] === 'success');
    assert.ok(ok, 'no successful reconcile span for web');
    assert.equal(ok.attributes['eventpipe.pipeline.namespace'], NS);
    // NATS that is not there: the stream cannot be ensured and the reconcile fails.
    await client.request('POST', pipelinePath(NS), {
      body: pipelineManifest(NS, 'broken', 'nats://127.0.0.1:1'),
    });
    const failed = await eventually(async () => {
      const span = reconciles('broken').find((s) => s.attributes['eventpipe.reconcile.result'] === 'error');
      assert.ok(span, 'no failed reconcile span for broken');
      return span;
    });
    assert.equal(failed.status.code, SpanStatusCode.ERROR);
    assert.ok(failed.events.some((e) => e.name === 'exception'));
    await client.request('DELETE', pipelinePath(NS, 'broken'));
    await gone(client, pipelinePath(NS, 'broken'));
  });

  test('the operator recovers from a kube-apiserver restart without restarting itself', async () => {
    await kube.restartApiServer();
    await client.request('PATCH', pipelinePath(NS, 'web'), {
      contentType: 'application/merge-patch+json',
      body: { spec: { loader: { batch: { maxEvents: 778 } } } },
    });
    await eventually(async () => {
      const configMap = await client.get<{ data: Record<string, string> }>(
        `/api/v1/namespaces/${NS}/configmaps/web-config`,
      );
      assert.equal(configMap.data.EVENTPIPE_LOADER_BATCH_MAX_EVENTS, '778');
    }, 30_000);
  });

  test('loaders scale up on lag at once and down only after the stabilization window', async () => {
    await client.request('POST', pipelinePath(NS), {
      body: pipelineManifest(NS, 'lag', nats.url, {
        loader: {
          replicas: 1,
          autoscaling: { maxReplicas: 3, targetLagPerReplica: 10, scaleDownStabilizationSeconds: 3 },
        },
      }),
    });
    await eventually(async () =>
      assert.equal(condition(await getPipeline('lag'), 'StreamReady').status, 'True'),
    );
    const js = jetstream(nc);
    for (let i = 0; i < 25; i++) await js.publish('lag.web.track', `{"n":${i}}`);
    await eventually(async () => assert.equal((await getDeployment('lag-loader')).spec.replicas, 3));
    await eventually(async () => assert.equal((await getPipeline('lag')).status?.lag, 25));

    // Drain as a loader would: fetch and ack everything.
    const consumer = await js.consumers.get('EV_lag', 'loader');
    const batch = await consumer.fetch({ max_messages: 25, expires: 2000 });
    let acked = 0;
    for await (const message of batch) {
      message.ack();
      if (++acked === 25) break;
    }
    const drainedAt = Date.now();
    await eventually(async () => assert.equal((await getPipeline('lag')).status?.lag, 0));
    await eventually(async () => assert.equal((await getDeployment('lag-loader')).spec.replicas, 1));
    const waited = Date.now() - drainedAt;
    assert.ok(waited >= 2500, `scaled down ${waited} ms after the drain, inside the 3 s window`);
  });

  test('deleting a pipeline: owned objects are garbage-collected, the stream kept (Retain) or deleted (Delete)', async () => {
    await client.request('POST', pipelinePath(NS), {
      body: pipelineManifest(NS, 'tmp', nats.url, { deletionPolicy: 'Delete' }),
    });
    await eventually(async () => {
      const p = await getPipeline('tmp');
      assert.deepEqual(p.metadata.finalizers, ['eventpipe.io/stream']);
      assert.equal(condition(p, 'StreamReady').status, 'True');
    });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.info('EV_tmp');

    await client.request('DELETE', pipelinePath(NS, 'tmp'));
    await client.request('DELETE', pipelinePath(NS, 'web'));
    await eventually(async () => {
      await gone(client, pipelinePath(NS, 'tmp'));
      await gone(client, pipelinePath(NS, 'web'));
      await gone(client, `/apis/apps/v1/namespaces/${NS}/deployments/web-collector`);
      await gone(client, `/apis/apps/v1/namespaces/${NS}/deployments/tmp-loader`);
      await gone(client, `/api/v1/namespaces/${NS}/configmaps/web-config`);
      await gone(client, `/api/v1/namespaces/${NS}/services/tmp-collector`);
    }, 30_000);
    await assert.rejects(jsm.streams.info('EV_tmp'), /not found/i);
    assert.equal((await jsm.streams.info('EV_web')).config.name, 'EV_web', 'Retain keeps the stream');
  });
});
