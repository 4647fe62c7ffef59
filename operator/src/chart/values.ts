/**
 * The Helm chart's values, as a TypeBox schema: written to charts/eventpipe/values.schema.json, so
 * `helm install` rejects a typo or a wrong type before anything reaches the cluster. Where a value
 * means the same as a pipeline or config setting (pull policy, pull secrets, log level, the
 * operator's settings) it reuses that schema.
 */
import { Type, type TProperties } from '@sinclair/typebox';
import { ConfigSchema, EventPipelineSpecSchema } from '@eventpipe/core';

const spec = EventPipelineSpecSchema.properties;
const operator = ConfigSchema.properties.operator.properties;

/** Objects reject unknown keys: a misspelt value fails instead of being ignored. */
const Strict = <T extends TProperties>(properties: T, options: { description?: string } = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });
const StringMap = Type.Record(Type.String(), Type.String());
const Quantity = Type.Union([Type.Integer(), Type.String()]);
/** Open to more keys: the observability templates behind these switches add their own settings. */
const Enabled = (description: string) => Type.Object({ enabled: Type.Boolean({ description }) });

export const ChartValuesSchema = Strict({
  crds: Strict({
    install: Type.Boolean({
      description: 'install and upgrade the EventPipeline CRD with the chart (it is kept on uninstall)',
    }),
  }),
  image: Strict({
    repository: Type.String({ minLength: 1 }),
    tag: Type.String({ description: "defaults to the chart's appVersion" }),
    pullPolicy: spec.imagePullPolicy,
  }),
  imagePullSecrets: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }) })),
  replicaCount: Type.Integer({
    minimum: 1,
    description: 'operator replicas; one leads, the others stand by',
  }),
  leaderElection: Strict({ enabled: operator.leaderElection, leaseName: operator.leaseName }),
  watchNamespaces: Type.Array(operator.watchNamespaces.items, {
    description: 'namespaces to reconcile, each given a Role; empty = all namespaces, with a ClusterRole',
  }),
  logLevel: ConfigSchema.properties.logLevel,
  serviceAccount: Strict({
    create: Type.Boolean(),
    name: Type.String({ description: 'defaults to the release full name' }),
    annotations: StringMap,
  }),
  rbac: Strict({ create: Type.Boolean() }),
  resources: Strict({
    requests: Type.Optional(Type.Record(Type.String(), Quantity)),
    limits: Type.Optional(Type.Record(Type.String(), Quantity)),
  }),
  podAnnotations: StringMap,
  podLabels: StringMap,
  nodeSelector: StringMap,
  tolerations: Type.Array(Type.Object({})),
  affinity: Type.Object({}),
  priorityClassName: Type.String(),
  healthPort: operator.healthPort,
  monitoring: Strict({
    serviceMonitor: Strict({
      enabled: Type.Boolean({ description: 'a Prometheus operator ServiceMonitor for the operator metrics' }),
      interval: Type.String({ pattern: '^([0-9]+(ms|s|m|h))+$' }),
      labels: StringMap,
    }),
    podMonitor: Strict({
      enabled: Type.Boolean({
        description: "a Prometheus operator PodMonitor for the pipelines' collector and loader metrics",
      }),
      interval: Type.String({ pattern: '^([0-9]+(ms|s|m|h))+$' }),
      labels: StringMap,
    }),
    prometheusRule: Enabled('Prometheus alerting rules for the pipelines'),
    grafanaDashboard: Enabled('a Grafana dashboard ConfigMap for the pipelines'),
  }),
});
