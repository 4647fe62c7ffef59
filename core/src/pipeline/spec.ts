/**
 * The `EventPipeline` custom resource (`eventpipe.io/v1alpha1`): its spec and status, as TypeBox
 * schemas. This is the one source of the CRD's openAPIV3Schema (`npm run generate`), of the
 * operator's types, of the Helm chart's values schema where they meet, and of the EVENTPIPE_* settings
 * the pods receive (see runtime.ts). Settings that exist in the runtime config reuse its schema, so a
 * limit has one type, one default and one bound in the environment variables and in the CRD.
 *
 * Secrets are only ever referenced (`*SecretRef`): no field holds a secret value.
 */
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { ConfigSchema, SOURCE_ID_PATTERN } from '../config/schema.js';

export const API_GROUP = 'eventpipe.io';
export const API_VERSION = 'v1alpha1';
export const KIND = 'EventPipeline';
export const PLURAL = 'eventpipelines';
export const SHORT_NAME = 'epl';

const config = ConfigSchema.properties;

/** A choice among strings; becomes `enum` in the CRD (structural schemas have no `const`). */
function StringEnum<const T extends string>(
  values: readonly T[],
  options: { default?: T; description?: string } = {},
): TUnion<TLiteral<T>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
}

/** A Kubernetes duration (Go syntax, as in `metav1.Duration`): "90s", "10m", "168h", "1h30m". */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
const Duration = (defaultValue: string | undefined, description: string) =>
  Type.String({ pattern: DURATION_PATTERN, description, ...(defaultValue ? { default: defaultValue } : {}) });

/** A Kubernetes quantity: "500m", "1", "256Mi", "10Gi" (integers are accepted too). */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const Quantity = Type.Union([Type.Integer(), Type.String({ pattern: QUANTITY_PATTERN })]);
/** A size in bytes: "512Mi", "50Gi", "2G", "1024" (no milli-bytes or exponents). */
export const BYTES_PATTERN = '^[0-9]+(\\.[0-9]+)?(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$';

/** `requests` and `limits` by resource name, as in a Pod's container. */
const Resources = (defaults: { requests: Record<string, string>; limits: Record<string, string> }) =>
  Type.Object(
    {
      requests: Type.Optional(Type.Record(Type.String(), Quantity)),
      limits: Type.Optional(Type.Record(Type.String(), Quantity)),
    },
    { default: defaults, description: 'compute resources of each container (requests and limits)' },
  );

/** A DNS-1123 subdomain, as Secret and object names are. */
const OBJECT_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const ObjectName = Type.String({ pattern: OBJECT_NAME_PATTERN, maxLength: 253 });
/** A Secret key: alphanumerics, '-', '_' or '.'. */
const SECRET_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

export const SecretKeySelectorSchema = Type.Object(
  {
    name: ObjectName,
    key: Type.String({ pattern: SECRET_KEY_PATTERN, maxLength: 253 }),
  },
  { description: 'a key of a Secret in the pipeline namespace' },
);
export type SecretKeySelector = Static<typeof SecretKeySelectorSchema>;

export const LocalObjectReferenceSchema = Type.Object({ name: ObjectName });

const Annotations = Type.Record(Type.String(), Type.String());

/** URLs written into ConfigMaps: no userinfo (`user:password@`), no whitespace. */
export const NO_CREDENTIALS_PATTERN = '^[^@\\s]+$';

export const NatsSpecSchema = Type.Object({
  url: Type.String({
    minLength: 1,
    // The URL lands in a ConfigMap: user:password@ in it would be a secret in plain sight.
    pattern: NO_CREDENTIALS_PATTERN,
    description:
      'comma-separated NATS server URLs, e.g. nats://nats.nats:4222; credentials go in credentialsSecretRef',
  }),
  credentialsSecretRef: Type.Optional(
    Type.Object(
      { name: ObjectName },
      {
        description:
          'a Secret with the keys "user" and "password", or "token" (each optional), used to connect to NATS',
      },
    ),
  ),
  stream: Type.Object(
    {
      name: config.nats.properties.stream,
      /** Two pipelines on one NATS need different stream names and subject prefixes. */
      subjectPrefix: config.nats.properties.subjectPrefix,
      replicas: config.nats.properties.replicas,
      maxAge: Duration('168h', 'how long events stay in the stream; "0s" = unlimited'),
      maxBytes: Type.Optional(
        Type.String({
          pattern: BYTES_PATTERN,
          description:
            'stream size limit, e.g. "50Gi"; unlimited when absent. A full stream refuses new events (503)',
        }),
      ),
      duplicateWindow: Duration('10m', 'retries of one event inside this window are stored once'),
      storage: StringEnum(['file', 'memory'], { default: 'file' }),
    },
    { default: {} },
  ),
});

export const SourceSpecSchema = Type.Object({
  name: Type.String({ pattern: SOURCE_ID_PATTERN, description: 'source id: lower case, digits, _' }),
  writeKeySecretRef: SecretKeySelectorSchema,
});

export const CollectorSpecSchema = Type.Object(
  {
    replicas: Type.Object(
      {
        min: Type.Integer({ minimum: 1, default: 2 }),
        max: Type.Integer({ minimum: 1, default: 10 }),
      },
      { default: {}, description: 'the HorizontalPodAutoscaler keeps the collectors between min and max' },
    ),
    targetCPUUtilizationPercentage: Type.Integer({ minimum: 1, maximum: 100, default: 70 }),
    resources: Resources({
      requests: { cpu: '250m', memory: '256Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    }),
    service: Type.Object(
      {
        type: StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer'], { default: 'ClusterIP' }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 80 }),
        annotations: Type.Optional(Annotations),
      },
      { default: {} },
    ),
    trustedProxies: config.collector.properties.trustedProxies,
    corsOrigins: config.collector.properties.corsOrigins,
    limits: Type.Object(
      {
        maxEventBytes: config.collector.properties.maxEventBytes,
        maxRequestBytes: config.collector.properties.maxRequestBytes,
        maxBatchEvents: config.collector.properties.maxBatchEvents,
        maxInflightEvents: config.collector.properties.maxInflightEvents,
      },
      { default: {} },
    ),
  },
  { default: {} },
);

export const LoaderSpecSchema = Type.Object(
  {
    replicas: Type.Integer({ minimum: 1, default: 1, description: 'the minimum number of loaders' }),
    autoscaling: Type.Optional(
      Type.Object(
        {
          maxReplicas: Type.Integer({ minimum: 1 }),
          targetLagPerReplica: Type.Integer({
            minimum: 1,
            default: 100000,
            description: 'pending + unacknowledged events one loader is expected to work off',
          }),
          scaleDownStabilizationSeconds: Type.Integer({ minimum: 0, default: 300 }),
        },
        { description: 'scale the loaders on consumer lag, between replicas and maxReplicas' },
      ),
    ),
    batch: Type.Object(
      {
        maxEvents: config.loader.properties.batchMaxEvents,
        maxBytes: config.loader.properties.batchMaxBytes,
        maxAge: Duration(
          `${config.loader.properties.batchMaxAgeMs.default}ms`,
          'a batch is loaded when it is this old, if not full before',
        ),
      },
      { default: {} },
    ),
    resources: Resources({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } }),
    terminationGracePeriodSeconds: Type.Integer({
      minimum: 10,
      default: 120,
      description: 'time a stopping loader has to finish or hand back its batch',
    }),
  },
  { default: {} },
);

export const S3StagingSpecSchema = Type.Object({
  bucket: Type.String({ minLength: 3, maxLength: 63 }),
  // No `default: ""` here: Kubernetes 1.20 reads an empty-string default as null and rejects the
  // CRD. The runtime config defaults the prefix to "" anyway.
  prefix: Type.Optional(Type.String({ description: config.s3.properties.prefix.description })),
  region: config.s3.properties.region,
  endpoint: Type.Optional(
    Type.String({ pattern: NO_CREDENTIALS_PATTERN, description: config.s3.properties.endpoint.description }),
  ),
  forcePathStyle: config.s3.properties.forcePathStyle,
  credentialsSecretRef: Type.Optional(
    Type.Object(
      { name: ObjectName },
      {
        description:
          'a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; omit it to use IRSA / pod identity (serviceAccount.annotations)',
      },
    ),
  ),
});

export const WarehouseSpecSchema = Type.Object({
  type: StringEnum(['postgres', 'redshift']),
  /** A Secret key holding the connection URL postgres://user:password@host:port/database. */
  connectionSecretRef: SecretKeySelectorSchema,
  redshift: Type.Optional(
    Type.Object({
      iamRole: Type.String({
        pattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$',
        description: 'the IAM role Redshift assumes to COPY from the staging bucket (required for redshift)',
      }),
    }),
  ),
  metaSchema: config.warehouse.properties.metaSchema,
  arrays: config.warehouse.properties.arrays,
});

export const EnrichmentSpecSchema = Type.Object({
  name: Type.String({ minLength: 1, description: 'a built-in enrichment or a module path in the image' }),
  options: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: "the enrichment's own options; the loader validates them at start-up",
    }),
  ),
});

export const TelemetrySpecSchema = Type.Object(
  {
    otlpEndpoint: Type.Optional(
      Type.String({
        pattern: NO_CREDENTIALS_PATTERN,
        description: 'OTLP/HTTP endpoint for traces, e.g. http://otel-collector:4318',
      }),
    ),
    otlpProtocol: StringEnum(['http/protobuf', 'http/json'], {
      default: 'http/protobuf',
      description: 'OTLP/HTTP encoding (OTEL_EXPORTER_OTLP_PROTOCOL)',
    }),
    samplingRatio: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 1,
      description: 'share of traces sampled at the root',
    }),
  },
  { default: {} },
);

export const ConsoleSpecSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'run the console (live events, schema, dead letters)',
    }),
    adminTokenSecretRef: Type.Optional(
      Type.Object(
        {
          name: ObjectName,
          key: Type.String({ pattern: SECRET_KEY_PATTERN, maxLength: 253 }),
        },
        {
          description:
            'the Secret key holding the admin token (16 characters or more); required when enabled',
        },
      ),
    ),
    service: Type.Object(
      {
        type: StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer'], { default: 'ClusterIP' }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 80 }),
        annotations: Type.Optional(Annotations),
      },
      { default: {} },
    ),
    resources: Resources({
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    }),
  },
  { default: {} },
);

export const EventPipelineSpecSchema = Type.Object({
  image: Type.Optional(Type.String({ minLength: 1, description: "defaults to the operator's own image" })),
  imagePullPolicy: StringEnum(['Always', 'IfNotPresent', 'Never'], { default: 'IfNotPresent' }),
  imagePullSecrets: Type.Optional(Type.Array(LocalObjectReferenceSchema)),
  serviceAccount: Type.Object(
    { annotations: Type.Optional(Annotations) },
    { default: {}, description: 'e.g. eks.amazonaws.com/role-arn for IRSA' },
  ),
  logLevel: config.logLevel,
  nats: NatsSpecSchema,
  sources: Type.Array(SourceSpecSchema, {
    minItems: 1,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
  }),
  collector: CollectorSpecSchema,
  loader: LoaderSpecSchema,
  staging: Type.Object({ s3: S3StagingSpecSchema }),
  warehouse: WarehouseSpecSchema,
  enrichments: Type.Array(EnrichmentSpecSchema, { default: [] }),
  telemetry: TelemetrySpecSchema,
  console: ConsoleSpecSchema,
  deletionPolicy: StringEnum(['Retain', 'Delete'], {
    default: 'Retain',
    description: 'what deleting the EventPipeline does to its JetStream stream',
  }),
});
export type EventPipelineSpec = Static<typeof EventPipelineSpecSchema>;

/** A condition, as `metav1.Condition`. */
export const ConditionSchema = Type.Object({
  type: Type.String({
    pattern:
      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    maxLength: 316,
  }),
  status: StringEnum(['True', 'False', 'Unknown']),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String({ pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$', minLength: 1, maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
});
export type Condition = Static<typeof ConditionSchema>;

export const CONDITION_TYPES = [
  'Ready',
  'StreamReady',
  'CollectorsAvailable',
  'LoadersAvailable',
  'Degraded',
  'ReconciliationPaused',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

const ReplicaStatus = Type.Object({
  desired: Type.Optional(Type.Integer({ minimum: 0 })),
  ready: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const EventPipelineStatusSchema = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
  conditions: Type.Optional(
    Type.Array(ConditionSchema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  ),
  collectors: Type.Optional(ReplicaStatus),
  loaders: Type.Optional(ReplicaStatus),
  stream: Type.Optional(
    Type.Object({
      name: Type.Optional(Type.String()),
      messages: Type.Optional(Type.Integer({ minimum: 0 })),
      bytes: Type.Optional(Type.Integer({ minimum: 0 })),
      consumer: Type.Optional(Type.String()),
    }),
  ),
  lag: Type.Optional(
    Type.Integer({ minimum: 0, description: "the loader consumer's num_pending + num_ack_pending" }),
  ),
});
export type EventPipelineStatus = Static<typeof EventPipelineStatusSchema>;

/** The columns `kubectl get eventpipelines` shows. */
export const PRINTER_COLUMNS = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Collectors', type: 'integer', jsonPath: '.status.collectors.ready' },
  { name: 'Loaders', type: 'integer', jsonPath: '.status.loaders.ready' },
  { name: 'Lag', type: 'integer', jsonPath: '.status.lag' },
  { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
] as const;
