import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Deployment, V1EnvVar } from '@kubernetes/client-node';
import type { EventPipelineSpec } from '@eventpipe/core';
import type { DesiredContext, EventPipeline, KubeObject } from '../types.js';
import { CONFIG_CHECKSUM_ANNOTATION, desiredObjects, InvalidPipelineError } from './index.js';

function pipeline(spec: Record<string, unknown> = {}, name = 'shop'): EventPipeline {
  return {
    apiVersion: 'eventpipe.io/v1alpha1',
    kind: 'EventPipeline',
    metadata: { name, namespace: 'analytics', uid: 'uid-1', generation: 3 },
    spec: {
      nats: { url: 'nats://nats.nats:4222', credentialsSecretRef: { name: 'nats-creds' } },
      sources: [
        { name: 'web', writeKeySecretRef: { name: 'write-keys', key: 'web' } },
        { name: 'ios', writeKeySecretRef: { name: 'write-keys', key: 'ios' } },
      ],
      staging: { s3: { bucket: 'raw-events', credentialsSecretRef: { name: 's3-creds' } } },
      warehouse: { type: 'postgres', connectionSecretRef: { name: 'warehouse', key: 'url' } },
      ...spec,
    } as unknown as EventPipelineSpec,
  };
}
const context: DesiredContext = { operatorImage: 'eventpipe/eventpipe:0.1.0', loaderReplicas: 1 };

const find = (objects: KubeObject[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
};
const deployment = (objects: KubeObject[], name: string) => find(objects, 'Deployment', name) as V1Deployment;
const container = (d: V1Deployment): V1Container => d.spec!.template.spec!.containers[0]!;
const envNames = (env: V1EnvVar[] = []) => env.map((e) => e.name);

test('every object the issue lists, in the pipeline namespace, owned by the pipeline', () => {
  const objects = desiredObjects(pipeline(), context);
  assert.deepEqual(
    objects.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`),
    [
      'v1 ServiceAccount/shop',
      'v1 ConfigMap/shop-config',
      'apps/v1 Deployment/shop-collector',
      'v1 Service/shop-collector',
      'autoscaling/v2 HorizontalPodAutoscaler/shop-collector',
      'policy/v1 PodDisruptionBudget/shop-collector',
      'apps/v1 Deployment/shop-loader',
      'policy/v1 PodDisruptionBudget/shop-loader',
      'networking.k8s.io/v1 NetworkPolicy/shop',
    ],
  );
  for (const o of objects) {
    assert.equal(o.metadata.namespace, 'analytics');
    assert.deepEqual(o.metadata.ownerReferences, [
      {
        apiVersion: 'eventpipe.io/v1alpha1',
        kind: 'EventPipeline',
        name: 'shop',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(o.metadata.labels?.['eventpipe.io/pipeline'], 'shop');
  }
});

test('pods are hardened: non-root, read-only root, no escalation, no capabilities, RuntimeDefault seccomp', () => {
  const objects = desiredObjects(pipeline(), context);
  for (const name of ['shop-collector', 'shop-loader']) {
    const d = deployment(objects, name);
    const pod = d.spec!.template.spec!;
    const c = container(d);
    assert.equal(pod.securityContext?.runAsNonRoot, true, name);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', name);
    assert.equal(pod.automountServiceAccountToken, false, name);
    assert.equal(pod.serviceAccountName, 'shop');
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true, name);
    assert.equal(c.securityContext?.allowPrivilegeEscalation, false, name);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], name);
    assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${name} requests`);
    assert.ok(c.resources?.limits?.cpu && c.resources.limits.memory, `${name} limits`);
    assert.equal(c.livenessProbe?.httpGet?.path, '/health/live');
    assert.equal(c.readinessProbe?.httpGet?.path, '/health/ready');
    // Probes name a port the container declares.
    assert.ok(
      c.ports?.some((p) => p.name === c.readinessProbe?.httpGet?.port),
      name,
    );
    assert.equal(pod.topologySpreadConstraints?.length, 2);
    assert.equal(c.image, 'eventpipe/eventpipe:0.1.0', "the operator's image by default");
    assert.deepEqual(c.args, [name.replace('shop-', '')]);
  }
  const loader = deployment(objects, 'shop-loader').spec!.template.spec!;
  assert.equal(loader.terminationGracePeriodSeconds, 120, 'long enough to hand back a batch');
});

test("collector and loader pods size V8's young generation themselves, not from their memory limit", () => {
  const objects = desiredObjects(pipeline(), context);
  for (const name of ['shop-collector', 'shop-loader']) {
    const env = container(deployment(objects, name)).env ?? [];
    assert.deepEqual(
      env.filter((e) => e.name === 'NODE_OPTIONS'),
      [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=16' }],
      name,
    );
  }
});

test('secrets are referenced, never copied: each component gets only the ones it needs', () => {
  const objects = desiredObjects(pipeline(), context);
  const collectorEnv = container(deployment(objects, 'shop-collector')).env!;
  const loaderEnv = container(deployment(objects, 'shop-loader')).env!;
  for (const env of [collectorEnv, loaderEnv]) {
    for (const e of env.filter((e) => e.value !== undefined)) {
      assert.ok(!/PASSWORD|TOKEN|SECRET|URL$|KEY_ID|WRITE_KEY/.test(e.name), `${e.name} has a literal value`);
    }
  }
  assert.deepEqual(collectorEnv.map((e) => e.valueFrom?.secretKeyRef?.name).filter(Boolean), [
    'write-keys',
    'write-keys',
    'nats-creds',
    'nats-creds',
    'nats-creds',
  ]);
  assert.ok(
    !envNames(collectorEnv).includes('EVENTPIPE_WAREHOUSE_URL'),
    'collectors never see the warehouse',
  );
  assert.ok(!envNames(loaderEnv).some((n) => n.includes('WRITE_KEY')), 'loaders never see write keys');
  assert.deepEqual(
    loaderEnv
      .filter((e) => e.valueFrom)
      .map((e) => [e.name, e.valueFrom!.secretKeyRef!.name, e.valueFrom!.secretKeyRef!.key]),
    [
      ['EVENTPIPE_NATS_USER', 'nats-creds', 'user'],
      ['EVENTPIPE_NATS_PASSWORD', 'nats-creds', 'password'],
      ['EVENTPIPE_NATS_TOKEN', 'nats-creds', 'token'],
      ['EVENTPIPE_S3_ACCESS_KEY_ID', 's3-creds', 'AWS_ACCESS_KEY_ID'],
      ['EVENTPIPE_S3_SECRET_ACCESS_KEY', 's3-creds', 'AWS_SECRET_ACCESS_KEY'],
      ['EVENTPIPE_WAREHOUSE_URL', 'warehouse', 'url'],
    ],
  );
  // The source list refers to the write-key variables, which Kubernetes expands only when they
  // are defined before it.
  const sources = collectorEnv.findIndex((e) => e.name === 'EVENTPIPE_SOURCES');
  assert.equal(collectorEnv[sources]!.value, 'web:$(EVENTPIPE_WRITE_KEY_WEB),ios:$(EVENTPIPE_WRITE_KEY_IOS)');
  assert.ok(envNames(collectorEnv).indexOf('EVENTPIPE_WRITE_KEY_IOS') < sources);
  const configMap = find(objects, 'ConfigMap', 'shop-config') as unknown as { data: Record<string, string> };
  assert.equal(configMap.data.EVENTPIPE_WAREHOUSE_URL, undefined);
  assert.equal(configMap.data.EVENTPIPE_SOURCES, undefined);
});

test('a config change rolls the pods; the same spec gives the same checksum', () => {
  const checksum = (p: EventPipeline, name = 'shop-loader') =>
    deployment(desiredObjects(p, context), name).spec!.template.metadata!.annotations![
      CONFIG_CHECKSUM_ANNOTATION
    ];
  const base = checksum(pipeline());
  assert.match(base!, /^[0-9a-f]{64}$/);
  assert.equal(checksum(pipeline()), base);
  assert.notEqual(checksum(pipeline({ loader: { batch: { maxEvents: 77 } } })), base);
  assert.notEqual(
    checksum(
      pipeline({ warehouse: { type: 'postgres', connectionSecretRef: { name: 'other', key: 'url' } } }),
    ),
    base,
    'pointing at another Secret rolls too',
  );
});

test("loader replicas follow the lag scaler within the spec bounds; collector replicas are the HPA's", () => {
  const replicas = (spec: Record<string, unknown>, loaderReplicas: number) =>
    deployment(desiredObjects(pipeline(spec), { ...context, loaderReplicas }), 'shop-loader').spec!.replicas;
  const autoscaled = { loader: { replicas: 2, autoscaling: { maxReplicas: 6 } } };
  assert.equal(replicas(autoscaled, 4), 4);
  assert.equal(replicas(autoscaled, 1), 2);
  assert.equal(replicas(autoscaled, 50), 6);
  assert.equal(replicas({ loader: { replicas: 3 } }, 9), 3, 'without autoscaling the spec decides');

  const objects = desiredObjects(pipeline(), context);
  assert.equal(deployment(objects, 'shop-collector').spec!.replicas, undefined);
  const hpa = find(objects, 'HorizontalPodAutoscaler', 'shop-collector') as unknown as {
    spec: Record<string, unknown>;
  };
  assert.equal(hpa.spec.minReplicas, 2);
  assert.equal(hpa.spec.maxReplicas, 10);
  const withoutHpa = desiredObjects(pipeline(), { ...context, collectorReplicas: 2 });
  assert.equal(deployment(withoutHpa, 'shop-collector').spec!.replicas, 2);
});

test('what the CRD schema cannot reject is rejected with the field named', () => {
  const cases: [EventPipeline, RegExp][] = [
    [pipeline({}, 'a'.repeat(54)), /metadata.name.*at most 53/],
    [pipeline({}, '1shop'), /metadata.name/],
    [pipeline({}, 'shop.eu'), /metadata.name/],
    [
      pipeline({ collector: { replicas: { min: 5, max: 2 } } }),
      /spec.collector.replicas: min 5 is above max 2/,
    ],
    [pipeline({ loader: { replicas: 4, autoscaling: { maxReplicas: 2 } } }), /maxReplicas 2 is below/],
    [
      pipeline({ warehouse: { type: 'redshift', connectionSecretRef: { name: 'w', key: 'url' } } }),
      /iamRole is required/,
    ],
  ];
  for (const [p, message] of cases) {
    assert.throws(
      () => desiredObjects(p, context),
      (e: Error) => e instanceof InvalidPipelineError && message.test(e.message),
    );
  }
});

test('the telemetry block becomes the OTEL_* variables of each component, with the pipeline as resource', () => {
  const traced = pipeline({
    telemetry: { otlpEndpoint: 'http://otel.obs:4318', otlpProtocol: 'http/json', samplingRatio: 0.25 },
  });
  const objects = desiredObjects(traced, context);
  for (const component of ['collector', 'loader']) {
    const otel = Object.fromEntries(
      container(deployment(objects, `shop-${component}`))
        .env!.filter((e) => e.name.startsWith('OTEL_'))
        .map((e) => [e.name, e.value]),
    );
    assert.deepEqual(otel, {
      OTEL_SERVICE_NAME: `eventpipe-${component}`,
      OTEL_RESOURCE_ATTRIBUTES: 'k8s.namespace.name=analytics,eventpipe.pipeline.name=shop',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel.obs:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
  }
  // Without an endpoint nothing is exported, and no variable says otherwise.
  for (const object of desiredObjects(pipeline(), context).filter((o) => o.kind === 'Deployment')) {
    assert.ok(!envNames(container(object as V1Deployment).env).some((n) => n.startsWith('OTEL_')));
  }
});

test('collectors and loaders expose /metrics on named ports the NetworkPolicy admits', () => {
  const objects = desiredObjects(pipeline(), context);
  const ports = (name: string) =>
    container(deployment(objects, name)).ports!.map((p) => [p.name, p.containerPort]);
  assert.deepEqual(ports('shop-collector'), [
    ['http', 8080],
    ['metrics', 9464],
  ]);
  assert.deepEqual(ports('shop-loader'), [['health', 8081]]);
  const configMap = find(objects, 'ConfigMap', 'shop-config') as unknown as { data: Record<string, string> };
  assert.equal(configMap.data.EVENTPIPE_COLLECTOR_METRICS_PORT, '9464');
  assert.equal(configMap.data.EVENTPIPE_LOADER_HEALTH_PORT, '8081');
  const policy = find(objects, 'NetworkPolicy', 'shop') as unknown as {
    spec: { ingress: { ports: { port: number }[] }[] };
  };
  assert.deepEqual(
    policy.spec.ingress[0]!.ports.map((p) => p.port),
    [8080, 9464, 8081],
  );
});

test('spec.console.enabled renders the console with its token from a Secret, ids but no write keys, and scrape targets', () => {
  assert.equal(
    desiredObjects(pipeline(), context).some((o) => o.metadata.name === 'shop-console'),
    false,
    'off by default',
  );
  const tokenRef = { name: 'console-admin', key: 'token' };
  const objects = desiredObjects(
    pipeline({ console: { enabled: true, adminTokenSecretRef: tokenRef } }),
    context,
  );
  const console = deployment(objects, 'shop-console');
  const c = container(console);
  assert.deepEqual(c.args, ['console']);
  assert.deepEqual(c.ports, [{ name: 'http', containerPort: 8090, protocol: 'TCP' }]);
  assert.equal(c.readinessProbe?.httpGet?.path, '/health/ready');
  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
  assert.deepEqual(env.EVENTPIPE_CONSOLE_ADMIN_TOKEN?.valueFrom, { secretKeyRef: tokenRef });
  assert.equal(env.EVENTPIPE_CONSOLE_SOURCE_IDS?.value, '["web","ios"]');
  assert.equal(env.EVENTPIPE_CONSOLE_COLLECTOR_METRICS_URL?.value, 'http://shop-metrics:9464/metrics');
  assert.equal(env.EVENTPIPE_CONSOLE_LOADER_METRICS_URL?.value, 'http://shop-metrics:8081/metrics');
  assert.ok(env.EVENTPIPE_WAREHOUSE_URL?.valueFrom?.secretKeyRef);
  // A large dead letter's envelope is in S3, for the dead-letter page to show and redrive.
  assert.deepEqual(env.EVENTPIPE_S3_ACCESS_KEY_ID?.valueFrom, {
    secretKeyRef: { name: 's3-creds', key: 'AWS_ACCESS_KEY_ID' },
  });
  assert.ok(env.EVENTPIPE_S3_SECRET_ACCESS_KEY?.valueFrom?.secretKeyRef);
  // No write key, in any form: neither the sources setting nor a write-key Secret reference.
  assert.equal(env.EVENTPIPE_SOURCES, undefined);
  assert.equal(JSON.stringify(c.env).includes('write-keys'), false);
  assert.equal(c.securityContext?.readOnlyRootFilesystem, true);

  const service = find(objects, 'Service', 'shop-console') as import('@kubernetes/client-node').V1Service;
  assert.deepEqual(service.spec?.selector, {
    'eventpipe.io/pipeline': 'shop',
    'app.kubernetes.io/component': 'console',
  });
  assert.deepEqual(service.spec?.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  const metrics = find(objects, 'Service', 'shop-metrics') as import('@kubernetes/client-node').V1Service;
  assert.equal(metrics.spec?.clusterIP, 'None');
  assert.deepEqual(
    metrics.spec?.ports?.map((p) => p.port),
    [9464, 8081],
  );
  const policy = find(objects, 'NetworkPolicy', 'shop') as import('@kubernetes/client-node').V1NetworkPolicy;
  assert.ok(policy.spec?.ingress?.[0]?.ports?.some((p) => p.port === 8090));

  assert.throws(
    () => desiredObjects(pipeline({ console: { enabled: true } }), context),
    (error: Error) =>
      error instanceof InvalidPipelineError && /spec\.console\.adminTokenSecretRef/.test(error.message),
  );
});
