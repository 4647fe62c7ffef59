/**
 * What the collector and loader pods share: the hardened security settings the issue asks for,
 * resources, topology spread, and how configuration reaches the containers (the ConfigMap, plus
 * Secrets by reference only).
 */
import { createHash } from 'node:crypto';
import { envName, type EventPipelineSpec } from '@eventpipe/core';
import type {
  V1Container,
  V1EnvVar,
  V1PodSpec,
  V1PodTemplateSpec,
  V1ResourceRequirements,
} from '@kubernetes/client-node';
import type { DesiredContext, EventPipeline } from '../types.js';
import { labels, names, selectorLabels, type Component } from './meta.js';

/** The image's non-root user (Dockerfile `USER 10001:10001`). */
const APP_USER = 10001;
export const CONFIG_CHECKSUM_ANNOTATION = 'eventpipe.io/config-checksum';

const secretEnv = (name: string, secret: string, key: string, optional?: boolean): V1EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional } : {}) } },
});

/** The variable holding one source's write key; the collector's EVENTPIPE_SOURCES refers to it. */
export const writeKeyVariable = (source: string) => `EVENTPIPE_WRITE_KEY_${source.toUpperCase()}`;

/** NATS user/password or token, each optional in the referenced Secret. */
function natsCredentials(spec: EventPipelineSpec): V1EnvVar[] {
  const ref = spec.nats.credentialsSecretRef;
  if (!ref) return [];
  return (['user', 'password', 'token'] as const).map((key) =>
    secretEnv(envName(['nats', key]), ref.name, key, true),
  );
}

/**
 * Secrets each component reads, as `secretKeyRef` variables: the values never appear in the
 * Deployment. The collector gets the write keys and NATS credentials only; the loader gets NATS, S3
 * and warehouse credentials, never the write keys; the console gets its admin token, NATS, S3 and
 * warehouse credentials, never the write keys.
 */
export function secretVariables(spec: EventPipelineSpec, component: Component): V1EnvVar[] {
  const warehouseUrl = secretEnv(
    envName(['warehouse', 'url']),
    spec.warehouse.connectionSecretRef.name,
    spec.warehouse.connectionSecretRef.key,
  );
  if (component === 'console') {
    // Source ids come as plain settings (see consoleVariables): the console never holds a write key.
    const token = spec.console.adminTokenSecretRef;
    return [
      ...(token ? [secretEnv(envName(['console', 'adminToken']), token.name, token.key)] : []),
      ...natsCredentials(spec),
      // A dead letter too large for its warehouse row is in S3: showing or redriving it reads it there.
      ...s3Credentials(spec),
      warehouseUrl,
    ];
  }
  if (component === 'collector') {
    const keys = spec.sources.map((s) =>
      secretEnv(writeKeyVariable(s.name), s.writeKeySecretRef.name, s.writeKeySecretRef.key),
    );
    // Kubernetes expands $(VAR) from variables defined before it, so the source list carries
    // references and the keys stay in their Secrets.
    const sources = {
      name: envName(['sources']),
      value: spec.sources.map((s) => `${s.name}:$(${writeKeyVariable(s.name)})`).join(','),
    };
    return [...keys, sources, ...natsCredentials(spec)];
  }
  return [...natsCredentials(spec), ...s3Credentials(spec), warehouseUrl];
}

function s3Credentials(spec: EventPipelineSpec): V1EnvVar[] {
  const s3 = spec.staging.s3.credentialsSecretRef;
  if (!s3) return [];
  return [
    secretEnv(envName(['s3', 'accessKeyId']), s3.name, 'AWS_ACCESS_KEY_ID'),
    secretEnv(envName(['s3', 'secretAccessKey']), s3.name, 'AWS_SECRET_ACCESS_KEY'),
  ];
}

/** OpenTelemetry's standard variables, when the pipeline exports traces. */
function telemetryVariables(pipeline: EventPipeline, component: Component): V1EnvVar[] {
  const { spec } = pipeline;
  const { otlpEndpoint, otlpProtocol, samplingRatio } = spec.telemetry;
  if (!otlpEndpoint) return [];
  // Kubernetes names need no percent-encoding in the W3C Baggage syntax this variable uses.
  const resource = {
    'k8s.namespace.name': pipeline.metadata.namespace,
    'eventpipe.pipeline.name': pipeline.metadata.name,
  };
  return [
    { name: 'OTEL_SERVICE_NAME', value: `eventpipe-${component}` },
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES',
      value: Object.entries(resource)
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
    },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otlpEndpoint },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: otlpProtocol },
    { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
    { name: 'OTEL_TRACES_SAMPLER_ARG', value: String(samplingRatio) },
  ];
}

/**
 * Changes whenever what the pods are given changes (the ConfigMap's data or which Secret keys they
 * reference), so the Deployment rolls its pods: a ConfigMap edit alone does not restart anything.
 */
export function configChecksum(configData: Record<string, string>, env: V1EnvVar[]): string {
  return createHash('sha256').update(JSON.stringify({ configData, env })).digest('hex');
}

function resources(spec: {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}) {
  const asStrings = (r?: Record<string, string | number>) =>
    r && Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  const result: V1ResourceRequirements = {};
  if (spec.requests) result.requests = asStrings(spec.requests);
  if (spec.limits) result.limits = asStrings(spec.limits);
  return result;
}

export interface PodOptions {
  component: Component;
  port: { name: string; containerPort: number };
  /** Ports besides the probed one. */
  extraPorts?: { name: string; containerPort: number }[];
  resources: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  terminationGracePeriodSeconds: number;
  configData: Record<string, string>;
  /** Settings of this component alone, beside the pipeline's ConfigMap. */
  env?: V1EnvVar[];
}

/** The pod template of a collector, loader or console Deployment. */
export function podTemplate(
  pipeline: EventPipeline,
  context: DesiredContext,
  options: PodOptions,
): V1PodTemplateSpec {
  const { spec } = pipeline;
  const { component, port } = options;
  const env = [
    ...secretVariables(spec, component),
    ...(options.env ?? []),
    ...telemetryVariables(pipeline, component),
  ];
  const probe = (path: string) => ({
    httpGet: { path, port: port.name, scheme: 'HTTP' },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  const container: V1Container = {
    name: component,
    image: spec.image ?? context.operatorImage,
    imagePullPolicy: spec.imagePullPolicy,
    args: [component],
    ports: [port, ...(options.extraPorts ?? [])].map((p) => ({ ...p, protocol: 'TCP' })),
    envFrom: [{ configMapRef: { name: names(pipeline).configMap } }],
    ...(env.length > 0 ? { env } : {}),
    resources: resources(options.resources),
    livenessProbe: probe('/health/live'),
    readinessProbe: { ...probe('/health/ready'), periodSeconds: 5 },
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    // Node and its libraries may write temporary files; the root filesystem is read-only.
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
  const podSpec: V1PodSpec = {
    serviceAccountName: names(pipeline).serviceAccount,
    // The pods never call the Kubernetes API.
    automountServiceAccountToken: false,
    ...(spec.imagePullSecrets?.length ? { imagePullSecrets: spec.imagePullSecrets } : {}),
    securityContext: {
      runAsNonRoot: true,
      runAsUser: APP_USER,
      runAsGroup: APP_USER,
      fsGroup: APP_USER,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationGracePeriodSeconds: options.terminationGracePeriodSeconds,
    topologySpreadConstraints: ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map(
      (topologyKey) => ({
        maxSkew: 1,
        topologyKey,
        // Spread when possible; a single-zone or single-node cluster still schedules every pod.
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: selectorLabels(pipeline, component) },
      }),
    ),
    containers: [container],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
  };
  return {
    metadata: {
      labels: labels(pipeline, component),
      annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(options.configData, env) },
    },
    spec: podSpec,
  };
}
