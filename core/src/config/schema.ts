/**
 * The one configuration schema of eventpipe. Environment variables (`EVENTPIPE_*`), the
 * `EventPipeline` CRD spec and the Helm values are all views of this object, so a setting has one
 * name, one type, one default and one validation rule everywhere.
 */
import { Type, type Static } from '@sinclair/typebox';

/**
 * `secret: true` marks a setting whose value must never appear in a message or a log line (write
 * keys, passwords, tokens, keys, URLs that carry a password): config errors name it but redact it.
 */
export const SECRET = { secret: true } as const;

const port = (defaultPort: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort });
/** Source ids become NATS subject tokens, S3 key prefixes and warehouse schema names. */
export const SOURCE_ID_PATTERN = '^[a-z][a-z0-9_]{0,62}$';

export const SourceSchema = Type.Object({
  id: Type.String({ pattern: SOURCE_ID_PATTERN, description: 'source id: lower case, digits, _' }),
  writeKeys: Type.Array(Type.String({ minLength: 8 }), { minItems: 1, ...SECRET }),
});
export type Source = Static<typeof SourceSchema>;

export const ConfigSchema = Type.Object({
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  sources: Type.Array(SourceSchema, {
    default: [],
    description: 'JSON array of {id, writeKeys}; or the shorthand "web:KEY1,app:KEY2"',
  }),
  nats: Type.Object(
    {
      url: Type.String({ default: 'nats://127.0.0.1:4222', description: 'comma-separated server URLs' }),
      user: Type.Optional(Type.String()),
      password: Type.Optional(Type.String(SECRET)),
      token: Type.Optional(Type.String(SECRET)),
      stream: Type.String({ default: 'EVENTS', pattern: '^[A-Za-z0-9_-]+$' }),
      subjectPrefix: Type.String({ default: 'events', pattern: '^[a-z0-9_-]+$' }),
      /** Create or update the stream at start-up; the operator owns it on Kubernetes. */
      manageStream: Type.Boolean({ default: true }),
      storage: Type.Union([Type.Literal('file'), Type.Literal('memory')], { default: 'file' }),
      replicas: Type.Integer({ minimum: 1, maximum: 5, default: 1 }),
      maxAgeSeconds: Type.Integer({ minimum: 0, default: 7 * 24 * 3600, description: '0 = unlimited' }),
      maxBytes: Type.Integer({ minimum: -1, default: -1, description: '-1 = unlimited' }),
      duplicateWindowSeconds: Type.Integer({ minimum: 1, default: 600 }),
    },
    { default: {} },
  ),
  collector: Type.Object(
    {
      host: Type.String({ default: '0.0.0.0' }),
      port: port(8080),
      maxEventBytes: Type.Integer({ minimum: 1024, default: 32 * 1024 }),
      maxRequestBytes: Type.Integer({ minimum: 1024, default: 500 * 1024 }),
      maxBatchEvents: Type.Integer({ minimum: 1, default: 2500 }),
      /**
       * Bytes one request may store in JetStream: the batch's context and the request's headers are
       * stored with every call, so this can be far more than the body.
       */
      maxRequestPublishBytes: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
      /** Upper bound on the wait for JetStream before answering 503. */
      publishTimeoutMs: Type.Integer({ minimum: 50, default: 2000 }),
      retryAfterSeconds: Type.Integer({ minimum: 1, default: 2 }),
      /**
       * Events published and awaiting their PubAck, across all requests, beyond which requests get
       * 503 + Retry-After at once: bounds the memory a slow JetStream can make the collector hold.
       */
      maxInflightEvents: Type.Integer({ minimum: 1, default: 10000 }),
      /** The same bound in bytes of payload, since 10,000 events of 32 KB each would be 320 MB. */
      maxInflightBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      /**
       * Slow clients (slowloris): a request's headers must arrive within headersTimeoutMs of the
       * connection or the previous request, and the whole request, body included, within
       * requestTimeoutMs; otherwise Node answers 408 and closes the socket. The defaults are generous
       * for mobile networks and still close a socket that trickles bytes within seconds.
       */
      headersTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
      requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
      /**
       * An idle keep-alive connection is closed after this long. Above the 60 s idle timeout of the
       * usual load balancers, so the collector never closes a connection the balancer is reusing.
       */
      keepAliveTimeoutMs: Type.Integer({ minimum: 100, default: 72_000 }),
      /**
       * Rate limits, off (0) by default: requests per second per client IP (`request.ip`, so behind
       * a proxy set trustedProxies) and per source (after its write key is checked), each with a
       * burst allowance. Refusals are 429 with Retry-After and x-ratelimit-reset.
       */
      rateLimitPerIp: Type.Number({ minimum: 0, default: 0, description: 'requests/s per IP; 0 = off' }),
      rateLimitPerIpBurst: Type.Integer({ minimum: 1, default: 100 }),
      rateLimitPerSource: Type.Number({
        minimum: 0,
        default: 0,
        description: 'requests/s per source; 0 = off',
      }),
      rateLimitPerSourceBurst: Type.Integer({ minimum: 1, default: 1000 }),
      /** IPs whose buckets are kept (least recently seen evicted first): bounds the limiter's memory. */
      rateLimitMaxIps: Type.Integer({ minimum: 1, default: 50_000 }),
      /** Addresses or CIDRs whose X-Forwarded-For is believed. */
      trustedProxies: Type.Array(Type.String(), { default: [] }),
      corsOrigins: Type.Array(Type.String(), { default: ['*'] }),
      /** Prometheus `/metrics`, on a port apart from the public one (0 = any free port). */
      metricsPort: port(9464),
      metricsHost: Type.String({ default: '0.0.0.0' }),
    },
    { default: {} },
  ),
  loader: Type.Object(
    {
      consumer: Type.String({ default: 'loader', pattern: '^[A-Za-z0-9_-]+$' }),
      healthPort: port(8081),
      healthHost: Type.String({ default: '0.0.0.0' }),
      /**
       * A batch closes at this many messages. Memory grows with it (docs/loader.md, "Batches in
       * flight", has the formula): 1,000 keeps a loader under 200 MB in its default pod, at the cost
       * of more transactions; larger batches load faster, and Redshift, where each COPY has a fixed
       * cost, wants them larger.
       */
      batchMaxEvents: Type.Integer({ minimum: 1, default: 1000 }),
      batchMaxBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
      /** A batch closes this long after its first message: an event's wait for its load, at low rates. */
      batchMaxAgeMs: Type.Integer({ minimum: 10, default: 500 }),
      /**
       * Batches a loader works on at once: while one is loading into the warehouse, the next is
       * decoded, archived and transformed. Loads still commit in batch order. 1 = one at a time.
       */
      maxBatchesInFlight: Type.Integer({ minimum: 1, maximum: 8, default: 2 }),
      /**
       * How long JetStream waits for an ack before handing a message to another loader. The loader
       * keeps the messages it holds alive with `working()` every third of it, so this only bounds
       * how long messages held by a loader that died (kill -9, lost node) wait before reloading.
       */
      ackWaitSeconds: Type.Integer({ minimum: 5, default: 30 }),
      maxDeliver: Type.Integer({ minimum: 2, default: 20 }),
      /**
       * Span links from a batch's span to its events' producer spans, at most; above it an even
       * sample of the events is linked (a span with thousands of links is more than backends keep).
       */
      traceLinksMax: Type.Integer({ minimum: 0, maximum: 10000, default: 1000 }),
      /**
       * Also write each batch's rows per table to S3 (`load/<source>/<table>/<batch>.ndjson.gz`) when
       * the warehouse does not read them (PostgreSQL loads over COPY FROM STDIN), e.g. for another
       * consumer of those files. Off: nobody reads them, and writing them costs CPU and S3 requests.
       * Redshift always has them: its COPY reads them, and its load writes them, once.
       */
      stageRowFiles: Type.Boolean({ default: false }),
      /** Enrichments to run, in order: built-in names or module paths, optionally with options. */
      enrichments: Type.Array(
        Type.Union([
          Type.String({ minLength: 1 }),
          Type.Object({ name: Type.String({ minLength: 1 }), options: Type.Optional(Type.Unknown()) }),
        ]),
        {
          default: [],
          description:
            'comma-separated names, or JSON: ["user-agent", {"name": "geoip", "options": {"databasePath": "/data/City.mmdb"}}]',
        },
      ),
    },
    { default: {} },
  ),
  s3: Type.Object(
    {
      bucket: Type.String({ default: 'eventpipe' }),
      prefix: Type.String({ default: '', description: 'key prefix inside the bucket' }),
      region: Type.String({ default: 'us-east-1' }),
      endpoint: Type.Optional(Type.String({ description: 'S3-compatible endpoint URL (MinIO, s3rver)' })),
      forcePathStyle: Type.Boolean({ default: false }),
      accessKeyId: Type.Optional(Type.String(SECRET)),
      secretAccessKey: Type.Optional(Type.String(SECRET)),
    },
    { default: {} },
  ),
  warehouse: Type.Object(
    {
      kind: Type.Union([Type.Literal('postgres'), Type.Literal('redshift')], { default: 'postgres' }),
      url: Type.Optional(Type.String({ description: 'postgres://user:pass@host:port/db', ...SECRET })),
      /** Redshift COPY credentials: an IAM role ARN, or access keys. */
      iamRole: Type.Optional(Type.String()),
      /**
       * How long a load waits for a lock on a warehouse table held by someone else (an analyst's
       * query, a manual ALTER) before giving up and retrying the batch with backoff. Waits for
       * another loader of the pipeline are not bounded by it. PostgreSQL only.
       */
      lockTimeoutMs: Type.Integer({ minimum: 10, default: 5000 }),
      /** Schema holding loads, migrations and dead letters. */
      metaSchema: Type.String({ default: '_eventpipe', pattern: '^[a-z_][a-z0-9_]*$' }),
      /**
       * How the values stored as JSON are stored — arrays, objects nested too deep to flatten, and
       * objects kept whole because the column budget cannot flatten them: `text`, JSON text in a
       * text column as Segment stores arrays (`LIKE`, `JSON_EXTRACT_PATH_TEXT` work); `native`, in a
       * jsonb (PostgreSQL) or SUPER (Redshift) column. Applies to columns created from then on.
       */
      arrays: Type.Union([Type.Literal('text'), Type.Literal('native')], {
        default: 'text',
        description:
          'arrays, objects nested past flattening and objects past the column budget: text (JSON text, as Segment) or native (jsonb / SUPER), for columns created from then on',
      }),
    },
    { default: {} },
  ),
  /** `eventpipe console`: the admin web app (live events, rejections, schema, dead letters, charts). */
  console: Type.Object(
    {
      host: Type.String({ default: '0.0.0.0' }),
      port: port(8090),
      /** The one credential that opens the console; never a write key. Required by `eventpipe console`. */
      adminToken: Type.Optional(Type.String({ minLength: 16, ...SECRET })),
      /**
       * The sources the console shows, by id; when empty, those of `sources`. The operator gives the
       * console ids only, so its pods never hold a write key.
       */
      sourceIds: Type.Array(Type.String({ pattern: SOURCE_ID_PATTERN }), {
        default: [],
        description: 'comma-separated source ids; default: the ids of EVENTPIPE_SOURCES',
      }),
      /** Prometheus endpoints scraped for the charts; a chart stays empty without its endpoint. */
      collectorMetricsUrl: Type.Optional(Type.String({ description: 'e.g. http://collector:9464/metrics' })),
      loaderMetricsUrl: Type.Optional(Type.String({ description: 'e.g. http://loader:8081/metrics' })),
      scrapeIntervalMs: Type.Integer({ minimum: 1000, default: 10_000 }),
      /** Rejected requests kept per source (the newest); bounds the console's memory. */
      rejectionsPerSource: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    },
    { default: {} },
  ),
  /** `eventpipe operator`; its Lease lives in POD_NAMESPACE (the Kubernetes convention). */
  operator: Type.Object(
    {
      watchNamespaces: Type.Array(Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }), {
        default: [],
        description: 'namespaces whose EventPipelines are reconciled; empty = all namespaces',
      }),
      leaderElection: Type.Boolean({ default: true, description: 'hold a Lease so one replica reconciles' }),
      leaseName: Type.String({ default: 'eventpipe-operator', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
      leaseDurationSeconds: Type.Integer({
        minimum: 2,
        maximum: 300,
        default: 15,
        description:
          'how long a leader that stops renewing (killed, partitioned) keeps the Lease before another replica takes over; renew and retry periods scale with it',
      }),
      image: Type.Optional(
        Type.String({ minLength: 1, description: 'the image pipelines run unless their spec names one' }),
      ),
      healthPort: port(8082),
    },
    { default: {} },
  ),
});

export type Config = Static<typeof ConfigSchema>;
