/**
 * The desired state of one pipeline: a pure function from the `EventPipeline` (and what the operator
 * decided or read, in `context`) to the Kubernetes objects to server-side apply. No I/O: the same
 * input gives the same objects, which `eventpipe operator render` prints and unit tests check.
 */
import { Value } from '@sinclair/typebox/value';
import {
  COLLECTOR_METRICS_PORT,
  COLLECTOR_PORT,
  CONSOLE_PORT,
  configEnvironment,
  envName,
  EventPipelineSpecSchema,
  LOADER_HEALTH_PORT,
  pipelineConfig,
  POD_NODE_OPTIONS,
  type EventPipelineSpec,
} from '@eventpipe/core';
import type {
  V1ConfigMap,
  V1Deployment,
  V1NetworkPolicy,
  V1PodDisruptionBudget,
  V1Service,
  V1ServiceAccount,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import type { DesiredContext, EventPipeline, KubeObject } from '../types.js';
import {
  assertPipelineName,
  InvalidPipelineError,
  names,
  ownedMeta,
  selectorLabels,
  type Component,
} from './meta.js';
import { podTemplate } from './pod.js';

export { InvalidPipelineError, MAX_PIPELINE_NAME_LENGTH, PIPELINE_LABEL, COMPONENT_LABEL } from './meta.js';
export { CONFIG_CHECKSUM_ANNOTATION } from './pod.js';

/** Collectors answer within seconds; in-flight requests finish well inside this. */
const COLLECTOR_GRACE_SECONDS = 30;

/** V8's heap sizing for the collector and loader (see `POD_NODE_OPTIONS`). */
const nodeOptions = { name: 'NODE_OPTIONS', value: POD_NODE_OPTIONS };

/** The spec with the CRD's defaults, for input that did not come through the API server. */
export function withDefaults(spec: unknown): EventPipelineSpec {
  return Value.Default(EventPipelineSpecSchema, structuredClone(spec)) as EventPipelineSpec;
}

/** Rules the CRD schema cannot express (Kubernetes 1.20 has no CEL validation rules). */
function assertConsistent(pipeline: EventPipeline): void {
  const { spec, metadata } = pipeline;
  assertPipelineName(metadata.name);
  const fail = (message: string) => {
    throw new InvalidPipelineError(message);
  };
  if (spec.collector.replicas.min > spec.collector.replicas.max) {
    fail(
      `spec.collector.replicas: min ${spec.collector.replicas.min} is above max ${spec.collector.replicas.max}`,
    );
  }
  const autoscaling = spec.loader.autoscaling;
  if (autoscaling && autoscaling.maxReplicas < spec.loader.replicas) {
    fail(
      `spec.loader.autoscaling.maxReplicas ${autoscaling.maxReplicas} is below spec.loader.replicas ${spec.loader.replicas}`,
    );
  }
  if (spec.console.enabled && !spec.console.adminTokenSecretRef) {
    fail(
      'spec.console.adminTokenSecretRef is required when spec.console.enabled is true (the console opens only with it)',
    );
  }
  if (spec.warehouse.type === 'redshift' && !spec.warehouse.redshift?.iamRole) {
    fail(
      'spec.warehouse.redshift.iamRole is required when spec.warehouse.type is redshift (Redshift COPY assumes it)',
    );
  }
  const seen = new Set<string>();
  for (const source of spec.sources) {
    if (seen.has(source.name)) fail(`spec.sources: the source name "${source.name}" is used twice`);
    seen.add(source.name);
  }
}

/** The loader count within the bounds the spec allows, whatever the scaler asked for. */
function loaderReplicas(spec: EventPipelineSpec, requested: number): number {
  const max = spec.loader.autoscaling?.maxReplicas ?? spec.loader.replicas;
  return Math.min(max, Math.max(spec.loader.replicas, Math.floor(requested)));
}

export function desiredObjects(pipeline: EventPipeline, context: DesiredContext): KubeObject[] {
  const spec = withDefaults(pipeline.spec);
  const p: EventPipeline = { ...pipeline, spec };
  assertConsistent(p);
  const name = names(p);
  const configData = configEnvironment(pipelineConfig(spec));

  const serviceAccount: V1ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: ownedMeta(p, name.serviceAccount, undefined, spec.serviceAccount.annotations),
    automountServiceAccountToken: false,
  };

  const configMap: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMeta(p, name.configMap),
    data: configData,
  };

  const collectorName = name.workload('collector');
  const collector: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ownedMeta(p, collectorName, 'collector'),
    spec: {
      ...(context.collectorReplicas !== undefined ? { replicas: context.collectorReplicas } : {}),
      selector: { matchLabels: selectorLabels(p, 'collector') },
      // Never below the serving capacity during a rollout: a new pod is ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: podTemplate(p, context, {
        component: 'collector',
        port: { name: 'http', containerPort: COLLECTOR_PORT },
        // Named for a PodMonitor; the loader's metrics are on its health port.
        extraPorts: [{ name: 'metrics', containerPort: COLLECTOR_METRICS_PORT }],
        resources: spec.collector.resources,
        terminationGracePeriodSeconds: COLLECTOR_GRACE_SECONDS,
        configData,
        env: [nodeOptions],
      }),
    },
  };

  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(p, collectorName, 'collector', spec.collector.service.annotations),
    spec: {
      type: spec.collector.service.type,
      selector: selectorLabels(p, 'collector'),
      // `protocol` is spelled out: server-side apply needs every key of the ports list.
      ports: [{ name: 'http', port: spec.collector.service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const hpa: V2HorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: ownedMeta(p, collectorName, 'collector'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: collectorName },
      minReplicas: spec.collector.replicas.min,
      maxReplicas: spec.collector.replicas.max,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: {
              type: 'Utilization',
              averageUtilization: spec.collector.targetCPUUtilizationPercentage,
            },
          },
        },
      ],
    },
  };

  const disruptionBudget = (component: Component): V1PodDisruptionBudget => ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMeta(p, name.workload(component), component),
    // One pod at a time: collectors keep serving, and a drained loader hands its batch back first.
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(p, component) } },
  });

  const loaderName = name.workload('loader');
  const loader: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ownedMeta(p, loaderName, 'loader'),
    spec: {
      replicas: loaderReplicas(spec, context.loaderReplicas),
      selector: { matchLabels: selectorLabels(p, 'loader') },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: podTemplate(p, context, {
        component: 'loader',
        port: { name: 'health', containerPort: LOADER_HEALTH_PORT },
        resources: spec.loader.resources,
        terminationGracePeriodSeconds: spec.loader.terminationGracePeriodSeconds,
        configData,
        env: [nodeOptions],
      }),
    },
  };

  const consoleObjects = spec.console.enabled ? consoleWorkload(p, context, configData) : [];

  // Ingress only to the ports the pods serve (events, health, metrics); egress stays open because
  // NATS, S3 and the warehouse may be anywhere, inside or outside the cluster.
  const networkPolicy: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: ownedMeta(p, name.networkPolicy),
    spec: {
      podSelector: { matchLabels: selectorLabels(p) },
      policyTypes: ['Ingress'],
      ingress: [
        {
          ports: [
            { protocol: 'TCP', port: COLLECTOR_PORT },
            { protocol: 'TCP', port: COLLECTOR_METRICS_PORT },
            { protocol: 'TCP', port: LOADER_HEALTH_PORT },
            ...(spec.console.enabled ? [{ protocol: 'TCP', port: CONSOLE_PORT }] : []),
          ],
        },
      ],
    },
  };

  const objects = [
    serviceAccount,
    configMap,
    collector,
    service,
    hpa,
    disruptionBudget('collector'),
    loader,
    disruptionBudget('loader'),
    ...consoleObjects,
    networkPolicy,
  ];
  return objects as KubeObject[];
}

/**
 * The console (`spec.console.enabled`): one pod, its Service, and a headless Service naming every pod
 * of the pipeline, through which it scrapes each collector's and loader's metrics for its charts.
 */
function consoleWorkload(
  p: EventPipeline,
  context: DesiredContext,
  configData: Record<string, string>,
): KubeObject[] {
  const { spec } = p;
  const name = names(p);
  const consoleName = name.workload('console');
  const metricsUrl = (port: number) => `http://${name.metrics}:${port}/metrics`;
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ownedMeta(p, consoleName, 'console'),
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(p, 'console') },
      template: podTemplate(p, context, {
        component: 'console',
        port: { name: 'http', containerPort: CONSOLE_PORT },
        resources: spec.console.resources,
        terminationGracePeriodSeconds: COLLECTOR_GRACE_SECONDS,
        configData,
        env: [
          { name: envName(['console', 'port']), value: String(CONSOLE_PORT) },
          { name: envName(['console', 'sourceIds']), value: JSON.stringify(spec.sources.map((s) => s.name)) },
          { name: envName(['console', 'collectorMetricsUrl']), value: metricsUrl(COLLECTOR_METRICS_PORT) },
          { name: envName(['console', 'loaderMetricsUrl']), value: metricsUrl(LOADER_HEALTH_PORT) },
        ],
      }),
    },
  };
  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(p, consoleName, 'console', spec.console.service.annotations),
    spec: {
      type: spec.console.service.type,
      selector: selectorLabels(p, 'console'),
      ports: [{ name: 'http', port: spec.console.service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  const metrics: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(p, name.metrics),
    spec: {
      clusterIP: 'None',
      selector: selectorLabels(p),
      ports: [
        {
          name: 'collector-metrics',
          port: COLLECTOR_METRICS_PORT,
          targetPort: COLLECTOR_METRICS_PORT,
          protocol: 'TCP',
        },
        { name: 'loader-metrics', port: LOADER_HEALTH_PORT, targetPort: LOADER_HEALTH_PORT, protocol: 'TCP' },
      ],
    },
  };
  return [deployment, service, metrics] as KubeObject[];
}
