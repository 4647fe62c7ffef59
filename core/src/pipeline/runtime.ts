/**
 * The runtime configuration an `EventPipeline` gives its pods: the spec mapped onto the one config
 * schema (core/src/config), then written as the EVENTPIPE_* variables `loadConfig` reads. Secret
 * settings are left out on purpose: the operator passes them as `secretKeyRef` variables.
 */
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from '../config/schema.js';
import { listSettings } from '../config/env.js';
import type { EventPipelineSpec } from './spec.js';

/** Settings that hold credentials: never in a ConfigMap, only referenced from a Secret. */
export const SECRET_SETTINGS: readonly string[] = [
  'sources',
  'nats.user',
  'nats.password',
  'nats.token',
  's3.accessKeyId',
  's3.secretAccessKey',
  'warehouse.url',
  'console.adminToken',
];

/** The config sections collectors and loaders read (the operator's own settings are not theirs). */
const POD_SECTIONS = ['logLevel', 'nats', 'collector', 'loader', 's3', 'warehouse'];

/** Ports the pods listen on; the operator's Services and probes use the same numbers. */
export const COLLECTOR_PORT = 8080;
export const LOADER_HEALTH_PORT = 8081;
/** The collector's Prometheus `/metrics` (the loader serves its metrics on its health port). */
export const COLLECTOR_METRICS_PORT = 9464;
/** The console's HTTP port (`spec.console.enabled`). */
export const CONSOLE_PORT = 8090;
/** The durable consumer the loaders of a pipeline share. */
export const LOADER_CONSUMER = 'loader';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in a Go-syntax duration ("1h30m", "90s", "250ms"), as the CRD's pattern allows. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`"${text}" is not a duration such as "90s", "10m" or "168h"`);
  }
  return Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit!]!, 0));
}

const QUANTITY_SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Bytes in a Kubernetes quantity ("50Gi", "500M", "1024"), rounded down. */
export function parseByteQuantity(text: string): number {
  // The CRD's BYTES_PATTERN admits exactly these.
  const match = /^([0-9]+(?:\.[0-9]+)?)(|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a byte quantity such as "512Mi" or "50Gi"`);
  return Math.floor(Number(match[1]) * QUANTITY_SUFFIX[match[2]!]!);
}

/**
 * `NODE_OPTIONS` of the collector and loader pods. Node sizes V8's young generation from the
 * memory limit it sees, so in a 512 MiB pod a scavenge runs every MiB or so of garbage: measured in
 * a 512 MiB cgroup on Node 24, the collector's batch path took 1.5 × longer than with 16 MiB
 * semi-spaces (what Node 20 picks on any machine over 2 GiB), for ~30 MB more RSS.
 */
export const POD_NODE_OPTIONS = '--max-semi-space-size=16';

/**
 * The pods' configuration, without secrets. The operator owns the stream and consumer
 * (`manageStream: false`), and passes this config's `nats` to `desiredStreamConfig`.
 */
export function pipelineConfig(spec: EventPipelineSpec): Config {
  const { nats, collector, loader, staging, warehouse } = spec;
  const partial = {
    logLevel: spec.logLevel,
    nats: {
      url: nats.url,
      stream: nats.stream.name,
      subjectPrefix: nats.stream.subjectPrefix,
      manageStream: false,
      storage: nats.stream.storage,
      replicas: nats.stream.replicas,
      maxAgeSeconds: Math.round(parseDuration(nats.stream.maxAge) / 1000),
      maxBytes: nats.stream.maxBytes === undefined ? -1 : parseByteQuantity(nats.stream.maxBytes),
      duplicateWindowSeconds: Math.max(1, Math.round(parseDuration(nats.stream.duplicateWindow) / 1000)),
    },
    collector: {
      port: COLLECTOR_PORT,
      metricsPort: COLLECTOR_METRICS_PORT,
      trustedProxies: collector.trustedProxies,
      corsOrigins: collector.corsOrigins,
      ...collector.limits,
    },
    loader: {
      consumer: LOADER_CONSUMER,
      healthPort: LOADER_HEALTH_PORT,
      batchMaxEvents: loader.batch.maxEvents,
      batchMaxBytes: loader.batch.maxBytes,
      batchMaxAgeMs: Math.max(10, parseDuration(loader.batch.maxAge)),
      enrichments: spec.enrichments.map((e) => (e.options === undefined ? e.name : e)),
    },
    s3: {
      bucket: staging.s3.bucket,
      prefix: staging.s3.prefix,
      region: staging.s3.region,
      endpoint: staging.s3.endpoint,
      forcePathStyle: staging.s3.forcePathStyle,
    },
    warehouse: {
      kind: warehouse.type,
      iamRole: warehouse.redshift?.iamRole,
      metaSchema: warehouse.metaSchema,
      arrays: warehouse.arrays,
    },
  };
  return Value.Default(
    ConfigSchema,
    Value.Clean(ConfigSchema, JSON.parse(JSON.stringify(partial))),
  ) as Config;
}

/**
 * The EVENTPIPE_* variables that give a process `config`, secrets excluded: the data of the
 * pipeline's ConfigMap. Arrays and objects are written as JSON, which `loadConfig` reads back.
 */
export function configEnvironment(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  for (const setting of listSettings()) {
    if (SECRET_SETTINGS.includes(setting.path)) continue;
    if (!POD_SECTIONS.includes(setting.path.split('.')[0]!)) continue;
    const value = setting.path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], config);
    if (value === undefined) continue;
    env[setting.env] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}
