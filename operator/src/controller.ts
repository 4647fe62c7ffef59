/**
 * The operator: informers on EventPipelines and their Deployments feed a work queue; the leader
 * reconciles each pipeline level-triggered and idempotently — JetStream stream and consumer, loader
 * replicas from lag, server-side apply of the desired objects under one field manager, status — and
 * every pipeline is reconciled again periodically, which repairs objects edited or deleted by hand
 * and polls the lag.
 */
import { isDeepStrictEqual } from 'node:util';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  API_GROUP,
  API_VERSION,
  KIND,
  PLURAL,
  pipelineConfig,
  type EventPipelineStatus,
  type Logger,
  tracingStarted,
} from '@eventpipe/core';
import { KubeClient, type KubeResource } from './kube/client.js';
import { Informer, objectKey } from './runtime/informer.js';
import { WorkQueue } from './runtime/queue.js';
import { LeaderElector } from './runtime/leader.js';
import { Discovery, whatServes } from './discovery.js';
import { desiredObjects, InvalidPipelineError, PIPELINE_LABEL, withDefaults } from './desired/index.js';
import {
  nextStatus,
  type MissingApi,
  type Observation,
  type StreamObservation,
  type WorkloadObservation,
} from './status.js';
import { decideReplicas, type Recommendation } from './scaling.js';
import { checkSecrets, describeMissingSecret, type MissingSecret } from './secrets.js';
import { StreamManager, type NatsCredentials } from './stream.js';
import type { EventPipeline, KubeObject } from './types.js';
import { createOperatorMetrics, type OperatorMetrics, type ReconcileResult } from './metrics.js';

export const FIELD_MANAGER = 'eventpipe-operator';
const tracer = trace.getTracer('eventpipe-operator');
export const PAUSED_ANNOTATION = `${API_GROUP}/paused`;
/** Held while the stream must be deleted with the pipeline (deletionPolicy Delete). */
export const STREAM_FINALIZER = `${API_GROUP}/stream`;

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  /** The image pipelines run unless their spec names one. */
  image: string;
  /** Empty: all namespaces. */
  watchNamespaces?: string[];
  leaderElection?: boolean;
  leaseNamespace: string;
  leaseName?: string;
  identity?: string;
  leaseDurationSeconds?: number;
  renewPeriodMs?: number;
  retryPeriodMs?: number;
  /** Every pipeline is reconciled again this often (drift repair, discovery refresh). Default 5 min. */
  resyncMs?: number;
  /** Each pipeline's stream, lag and status are checked this often. Default 15 s. */
  pollMs?: number;
  watchTimeoutSeconds?: number;
  /** Where reconciles, leadership and conditions are counted; a registry of its own when absent. */
  metrics?: OperatorMetrics;
}

export interface RunningOperator {
  isLeader(): boolean;
  /** True once the informers have listed everything (readiness). */
  isSynced(): boolean;
  /** The operator's Prometheus metrics (served on the health port's `/metrics`). */
  metrics: OperatorMetrics;
  stop(): Promise<void>;
}

type Pipeline = EventPipeline & { metadata: EventPipeline['metadata'] & KubeResource['metadata'] };
type Deployment = KubeResource & {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number; conditions?: { type: string; status: string }[] };
};

const pipelinesPath = (namespace?: string) =>
  `/apis/${API_GROUP}/${API_VERSION}${namespace ? `/namespaces/${namespace}` : ''}/${PLURAL}`;
const deploymentsPath = (namespace?: string) =>
  `/apis/apps/v1${namespace ? `/namespaces/${namespace}` : ''}/deployments`;

/** Only a change the operator must act on: spec (generation), annotations (paused), deletion. */
function needsReconcile(current: KubeResource, previous: KubeResource | undefined): boolean {
  if (!previous) return true;
  const a = current.metadata ?? {};
  const b = previous.metadata ?? {};
  return (
    a.generation !== b.generation ||
    !isDeepStrictEqual(a.annotations, b.annotations) ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    !isDeepStrictEqual(a.finalizers, b.finalizers)
  );
}

function observeDeployment(deployment: Deployment | undefined): WorkloadObservation {
  if (!deployment) return { found: false, desired: 0, ready: 0, available: false };
  return {
    found: true,
    desired: deployment.spec?.replicas ?? 1,
    ready: deployment.status?.readyReplicas ?? 0,
    available:
      deployment.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false,
  };
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const log = options.log;
  const client = new KubeClient(options.kubeConfig);
  const discovery = new Discovery(client);
  const streams = new StreamManager(log);
  const scaling = new Map<string, Recommendation[]>();
  const namespaces = options.watchNamespaces?.length ? options.watchNamespaces : [undefined];
  const pollMs = options.pollMs ?? 15_000;
  let leading = options.leaderElection === false;

  const metrics = options.metrics ?? createOperatorMetrics();
  const queue = new WorkQueue((key) => (leading ? observedReconcile(key) : Promise.resolve()), log);

  const pipelineInformers = namespaces.map(
    (namespace) =>
      new Informer<Pipeline>({
        client,
        path: pipelinesPath(namespace),
        log,
        watchTimeoutSeconds: options.watchTimeoutSeconds,
        onChange: (type, object, previous) => {
          const key = objectKey(object);
          if (type === 'deleted') {
            scaling.delete(key);
            written.delete(key);
            secretsReported.delete(key);
            queue.forget(key);
          } else if (needsReconcile(object, previous)) queue.add(key);
        },
      }),
  );
  const deploymentInformers = namespaces.map(
    (namespace) =>
      new Informer<Deployment>({
        client,
        path: deploymentsPath(namespace),
        labelSelector: PIPELINE_LABEL,
        log,
        watchTimeoutSeconds: options.watchTimeoutSeconds,
        // Any change, status included: it drives the availability conditions, and a hand edit is repaired.
        onChange: (_type, object) => {
          const pipeline = object.metadata?.labels?.[PIPELINE_LABEL];
          if (pipeline) queue.add(`${object.metadata?.namespace}/${pipeline}`);
        },
      }),
  );
  const getPipeline = (key: string) => pipelineInformers.map((i) => i.get(key)).find(Boolean);
  const getDeployment = (key: string) => deploymentInformers.map((i) => i.get(key)).find(Boolean);
  const allPipelines = () => pipelineInformers.flatMap((i) => i.list());

  async function event(pipeline: Pipeline, type: 'Normal' | 'Warning', reason: string, message: string) {
    const now = new Date().toISOString();
    const { namespace, name, uid } = pipeline.metadata;
    try {
      await client.request('POST', `/api/v1/namespaces/${namespace}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, name, namespace, uid },
          type,
          reason,
          message,
          source: { component: FIELD_MANAGER },
          reportingComponent: FIELD_MANAGER,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (error) {
      log.warn({ err: error, reason }, 'could not record an event');
    }
  }

  async function natsCredentials(pipeline: Pipeline): Promise<NatsCredentials> {
    const ref = pipeline.spec.nats.credentialsSecretRef;
    if (!ref) return {};
    const secret = await client.get<{ data?: Record<string, string> }>(
      `/api/v1/namespaces/${pipeline.metadata.namespace}/secrets/${ref.name}`,
    );
    const value = (key: string) =>
      secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined;
    return { user: value('user'), password: value('password'), token: value('token') };
  }

  const pipelinePath = (p: Pipeline) => `${pipelinesPath(p.metadata.namespace)}/${p.metadata.name}`;

  async function setFinalizers(pipeline: Pipeline, finalizers: string[]) {
    // The resourceVersion makes it a compare-and-swap: a concurrent change fails with 409 and is retried.
    await client.request('PATCH', pipelinePath(pipeline), {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers, resourceVersion: pipeline.metadata.resourceVersion } },
    });
  }

  /**
   * The status last written per pipeline. Only the operator writes status, so this is the truth
   * even when the informer's copy lags behind our own write; computing from a stale copy would
   * move lastTransitionTime back and forth and write again.
   */
  const written = new Map<string, EventPipelineStatus>();
  /** Per pipeline, the missing Secrets last reported by an Event: one Event per change, not per poll. */
  const secretsReported = new Map<string, string>();

  async function reportSecrets(pipeline: Pipeline, missing: MissingSecret[]) {
    const key = objectKey(pipeline);
    const message = missing.map(describeMissingSecret).join('; ');
    if (message === (secretsReported.get(key) ?? '')) return;
    secretsReported.set(key, message);
    if (message) await event(pipeline, 'Warning', 'SecretMissing', message);
    else await event(pipeline, 'Normal', 'SecretsFound', 'every referenced Secret and key exists');
  }
  const previousStatus = (p: Pipeline) => written.get(objectKey(p)) ?? p.status;

  async function writeStatus(pipeline: Pipeline, status: EventPipelineStatus) {
    if (isDeepStrictEqual(previousStatus(pipeline), status)) return;
    await client.request('PATCH', `${pipelinePath(pipeline)}/status`, {
      contentType: 'application/merge-patch+json',
      // null first clears fields that are gone (lag while NATS is away); conditions are replaced whole.
      body: { status: { stream: null, lag: null, ...status } },
    });
    written.set(objectKey(pipeline), status);
  }

  async function apply(object: KubeObject, missing: MissingApi[]): Promise<void> {
    const path = await discovery.objectPath(object);
    if (!path) {
      missing.push({
        kind: object.kind,
        apiVersion: object.apiVersion,
        needs: whatServes(object.apiVersion),
      });
      return;
    }
    await client.request('PATCH', path, {
      query: { fieldManager: FIELD_MANAGER, force: true },
      contentType: 'application/apply-patch+yaml',
      body: object,
    });
  }

  async function finalize(pipeline: Pipeline, plog: Logger) {
    const finalizers = pipeline.metadata.finalizers ?? [];
    if (!finalizers.includes(STREAM_FINALIZER)) return;
    const spec = withDefaults(pipeline.spec);
    if (spec.deletionPolicy === 'Delete') {
      await streams.delete(pipelineConfig(spec), await natsCredentials(pipeline));
      plog.info({ stream: spec.nats.stream.name }, 'deleted the stream with the pipeline');
      await event(
        pipeline,
        'Normal',
        'StreamDeleted',
        `deleted JetStream stream ${spec.nats.stream.name} (deletionPolicy Delete)`,
      );
    }
    await setFinalizers(
      pipeline,
      finalizers.filter((f) => f !== STREAM_FINALIZER),
    );
  }

  /** One reconcile, counted and timed by result, inside a span when tracing is on. */
  async function observedReconcile(key: string): Promise<void> {
    const started = performance.now();
    const count = (result: ReconcileResult) => {
      metrics.reconciles.inc({ result });
      metrics.reconcileSeconds.observe((performance.now() - started) / 1000);
      return result;
    };
    if (!tracingStarted()) {
      try {
        count(await reconcile(key));
      } catch (error) {
        count('error');
        throw error;
      }
      return;
    }
    const [namespace, name] = key.split('/');
    const attributes = { 'eventpipe.pipeline.namespace': namespace, 'eventpipe.pipeline.name': name };
    await tracer.startActiveSpan(`reconcile ${KIND}`, { attributes }, async (span) => {
      try {
        span.setAttribute('eventpipe.reconcile.result', count(await reconcile(key)));
      } catch (error) {
        span.setAttribute('eventpipe.reconcile.result', count('error'));
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async function reconcile(key: string): Promise<ReconcileResult> {
    const pipeline = getPipeline(key);
    if (!pipeline) return 'gone';
    const { namespace, name } = pipeline.metadata;
    const plog = log.child({ pipeline: `${namespace}/${name}` });
    if (pipeline.metadata.deletionTimestamp) {
      await finalize(pipeline, plog);
      return 'finalized';
    }

    const paused = pipeline.metadata.annotations?.[PAUSED_ANNOTATION] === 'true';
    const missingApis: MissingApi[] = [];
    let stream: StreamObservation | undefined;
    let reconcileError: Observation['reconcileError'];
    let missingSecrets: MissingSecret[] = [];
    const collectorKey = `${namespace}/${name}-collector`;
    const loaderKey = `${namespace}/${name}-loader`;

    if (!paused) {
      try {
        const spec = withDefaults(pipeline.spec);
        // The finalizer exists only while there is something outside Kubernetes to delete.
        const finalizers = pipeline.metadata.finalizers ?? [];
        const wantFinalizer = spec.deletionPolicy === 'Delete';
        if (wantFinalizer !== finalizers.includes(STREAM_FINALIZER)) {
          await setFinalizers(
            pipeline,
            wantFinalizer
              ? [...finalizers, STREAM_FINALIZER]
              : finalizers.filter((f) => f !== STREAM_FINALIZER),
          );
        }
        missingSecrets = await checkSecrets(client, namespace, spec);
        await reportSecrets(pipeline, missingSecrets);
        const config = pipelineConfig(spec);
        stream = await streams.ensure(config, await natsCredentials(pipeline));

        let loaderReplicas = spec.loader.replicas;
        const autoscaling = spec.loader.autoscaling;
        if (autoscaling) {
          const current = getDeployment(loaderKey)?.spec?.replicas ?? spec.loader.replicas;
          const decision = decideReplicas(
            {
              min: spec.loader.replicas,
              max: autoscaling.maxReplicas,
              targetLagPerReplica: autoscaling.targetLagPerReplica,
              scaleDownStabilizationMs: autoscaling.scaleDownStabilizationSeconds * 1000,
            },
            current,
            stream.ready ? stream.lag : undefined,
            scaling.get(key) ?? [],
            Date.now(),
          );
          scaling.set(key, decision.history);
          loaderReplicas = decision.replicas;
          if (decision.replicas !== current && getDeployment(loaderKey)) {
            plog.info({ from: current, to: decision.replicas, lag: stream.lag }, 'scaling loaders on lag');
            await event(
              pipeline,
              'Normal',
              'ScaledLoaders',
              `loaders ${current} → ${decision.replicas} for a lag of ${stream.lag ?? 'unknown'}`,
            );
          }
        }
        const hpaServed =
          (await discovery.resource('autoscaling/v2', 'HorizontalPodAutoscaler')) !== undefined;
        const objects = desiredObjects(pipeline, {
          operatorImage: options.image,
          loaderReplicas,
          ...(hpaServed ? {} : { collectorReplicas: spec.collector.replicas.min }),
        });
        for (const object of objects) await apply(object, missingApis);
        if (previousStatus(pipeline)?.observedGeneration !== pipeline.metadata.generation) {
          plog.info(
            { generation: pipeline.metadata.generation, objects: objects.length - missingApis.length },
            'applied',
          );
          await event(
            pipeline,
            'Normal',
            'Applied',
            `applied ${objects.length - missingApis.length} objects for generation ${pipeline.metadata.generation}`,
          );
          if (missingApis.length > 0) {
            await event(
              pipeline,
              'Warning',
              'APIVersionsNotServed',
              missingApis.map((m) => `${m.kind} ${m.apiVersion} needs ${m.needs}`).join('; '),
            );
          }
        }
      } catch (error) {
        const invalid = error instanceof InvalidPipelineError;
        reconcileError = {
          reason: invalid ? 'InvalidSpec' : 'ReconcileFailed',
          message: (error as Error).message,
        };
        plog.warn({ err: error }, 'reconcile failed');
        await event(pipeline, 'Warning', reconcileError.reason, reconcileError.message);
        await writeStatus(
          pipeline,
          status(
            pipeline,
            paused,
            stream,
            missingApis,
            missingSecrets,
            reconcileError,
            collectorKey,
            loaderKey,
          ),
        ).catch(() => {});
        if (!invalid) throw error; // retried with backoff; an invalid spec waits for the next change
        return 'invalid_spec';
      }
    }
    await writeStatus(
      pipeline,
      status(pipeline, paused, stream, missingApis, missingSecrets, reconcileError, collectorKey, loaderKey),
    );
    if (stream && !stream.ready) throw new Error(`stream not ready: ${stream.message}`);
    queue.addAfter(key, pollMs);
    return paused ? 'skipped_paused' : 'success';
  }

  function status(
    pipeline: Pipeline,
    paused: boolean,
    stream: StreamObservation | undefined,
    missingApis: MissingApi[],
    missingSecrets: MissingSecret[],
    reconcileError: Observation['reconcileError'],
    collectorKey: string,
    loaderKey: string,
  ): EventPipelineStatus {
    return nextStatus(
      previousStatus(pipeline),
      {
        generation: pipeline.metadata.generation,
        paused,
        stream,
        collectors: observeDeployment(getDeployment(collectorKey)),
        loaders: observeDeployment(getDeployment(loaderKey)),
        missingApis,
        missingSecrets,
        reconcileError,
      },
      new Date(),
    );
  }

  metrics.measure(
    () => leading,
    () => allPipelines().map((p) => previousStatus(p)?.conditions),
  );
  for (const informer of [...pipelineInformers, ...deploymentInformers]) informer.start();
  let synced = false;
  void Promise.all([...pipelineInformers, ...deploymentInformers].map((i) => i.synced)).then(
    () => (synced = true),
  );

  const resync = setInterval(() => {
    discovery.refresh();
    for (const pipeline of allPipelines()) queue.add(objectKey(pipeline));
  }, options.resyncMs ?? 300_000);
  resync.unref();

  let elector: LeaderElector | undefined;
  if (options.leaderElection !== false) {
    elector = new LeaderElector(
      client,
      {
        namespace: options.leaseNamespace,
        name: options.leaseName ?? 'eventpipe-operator',
        identity: options.identity ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
        leaseDurationSeconds: options.leaseDurationSeconds,
        renewPeriodMs: options.renewPeriodMs,
        retryPeriodMs: options.retryPeriodMs,
      },
      log,
    );
    elector.start(
      () => {
        leading = true;
        // A new leader starts from what is there: every pipeline is reconciled once at least.
        void Promise.all(pipelineInformers.map((i) => i.synced)).then(() => {
          for (const pipeline of allPipelines()) queue.add(objectKey(pipeline));
        });
      },
      () => {
        leading = false;
        scaling.clear();
        written.clear();
      },
    );
  }

  return {
    isLeader: () => leading,
    isSynced: () => synced,
    metrics,
    stop: async () => {
      clearInterval(resync);
      await elector?.stop();
      leading = false;
      await queue.stop();
      await Promise.all([...pipelineInformers, ...deploymentInformers].map((i) => i.stop()));
      await streams.close();
    },
  };
}
