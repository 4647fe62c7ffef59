/**
 * The EventPipeline's status as a pure function of what the operator observed, following the
 * Kubernetes API conventions: one condition per type with status, a CamelCase reason, a message
 * for people, the generation it describes, and a lastTransitionTime that moves only when the
 * status moves. Unchanged observations give an identical status, so the operator can skip the write
 * (and its own watch never sees an event it caused for nothing).
 */
import type { Condition, ConditionType, EventPipelineStatus } from '@eventpipe/core';
import { describeMissingSecret, type MissingSecret } from './secrets.js';

export interface WorkloadObservation {
  /** The Deployment exists. */
  found: boolean;
  desired: number;
  ready: number;
  /** The Deployment's own Available condition (minimum availability reached). */
  available: boolean;
}

export interface StreamObservation {
  ready: boolean;
  /** Why not, when not ready (e.g. "NatsUnreachable"). */
  reason?: string;
  message?: string;
  name: string;
  consumer: string;
  messages?: number;
  bytes?: number;
  /** num_pending + num_ack_pending of the loaders' consumer. */
  lag?: number;
}

/** An object of the desired state the cluster does not serve. */
export interface MissingApi {
  kind: string;
  apiVersion: string;
  /** Who serves it, e.g. "Kubernetes 1.23+". */
  needs: string;
}

export interface Observation {
  generation: number;
  paused: boolean;
  stream: StreamObservation | undefined;
  collectors: WorkloadObservation;
  loaders: WorkloadObservation;
  missingApis: MissingApi[];
  /** Referenced Secrets, or keys of them, that do not exist: the pods cannot start without them. */
  missingSecrets?: MissingSecret[];
  /** The last reconcile's failure, when it failed (invalid spec, apply refused, ...). */
  reconcileError?: { reason: string; message: string };
}

type NewCondition = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * Sets one condition: its lastTransitionTime is kept when the status is unchanged (a new reason or
 * message alone is not a transition), and set to `now` when it changes or the condition is new.
 */
export function setCondition(
  conditions: readonly Condition[],
  next: NewCondition,
  generation: number,
  now: Date,
): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime =
    existing && existing.status === next.status
      ? existing.lastTransitionTime
      : now.toISOString().replace(/\.\d+Z$/, 'Z');
  const condition: Condition = { ...next, observedGeneration: generation, lastTransitionTime };
  return [...conditions.filter((c) => c.type !== next.type), condition];
}

function workloadCondition(type: ConditionType, what: string, w: WorkloadObservation): NewCondition {
  if (!w.found)
    return {
      type,
      status: 'False',
      reason: 'DeploymentNotFound',
      message: `the ${what} Deployment does not exist yet`,
    };
  const counts = `${w.ready}/${w.desired} ${what} ready`;
  return w.available
    ? { type, status: 'True', reason: 'MinimumReplicasAvailable', message: counts }
    : { type, status: 'False', reason: 'MinimumReplicasUnavailable', message: counts };
}

function streamCondition(stream: StreamObservation | undefined): NewCondition {
  const type = 'StreamReady';
  if (!stream)
    return { type, status: 'Unknown', reason: 'NotChecked', message: 'the stream has not been checked yet' };
  if (!stream.ready) {
    return {
      type,
      status: 'False',
      reason: stream.reason ?? 'StreamNotReady',
      message: stream.message ?? '',
    };
  }
  return {
    type,
    status: 'True',
    reason: 'StreamAndConsumerReady',
    message: `stream "${stream.name}" and consumer "${stream.consumer}" exist with the configured settings`,
  };
}

const ORDER: readonly ConditionType[] = [
  'Ready',
  'StreamReady',
  'CollectorsAvailable',
  'LoadersAvailable',
  'Degraded',
  'ReconciliationPaused',
];

export function nextStatus(
  previous: EventPipelineStatus | undefined,
  observed: Observation,
  now: Date,
): EventPipelineStatus {
  const { generation } = observed;
  let conditions: Condition[] = [...(previous?.conditions ?? [])];
  const set = (c: NewCondition) => (conditions = setCondition(conditions, c, generation, now));

  set(
    observed.paused
      ? {
          type: 'ReconciliationPaused',
          status: 'True',
          reason: 'PausedByAnnotation',
          message: 'eventpipe.io/paused is "true": the operator changes nothing',
        }
      : {
          type: 'ReconciliationPaused',
          status: 'False',
          reason: 'Reconciling',
          message: 'the operator reconciles this pipeline',
        },
  );
  const stream = streamCondition(observed.stream);
  const collectors = workloadCondition('CollectorsAvailable', 'collectors', observed.collectors);
  const loaders = workloadCondition('LoadersAvailable', 'loaders', observed.loaders);
  set(stream);
  set(collectors);
  set(loaders);

  const problems: string[] = [];
  let degradedReason = 'AsExpected';
  // A missing Secret first: it is what to fix, and a failure reading it is only its consequence.
  const secrets = (observed.missingSecrets ?? []).map(describeMissingSecret);
  if (secrets.length > 0) {
    degradedReason = 'SecretMissing';
    problems.push(...secrets);
  }
  if (observed.reconcileError) {
    if (degradedReason === 'AsExpected') degradedReason = observed.reconcileError.reason;
    problems.push(observed.reconcileError.message);
  }
  if (observed.missingApis.length > 0) {
    if (degradedReason === 'AsExpected') degradedReason = 'APIVersionsNotServed';
    for (const m of observed.missingApis) {
      problems.push(`${m.kind} skipped: the cluster does not serve ${m.apiVersion} (needs ${m.needs})`);
    }
  }
  set(
    problems.length > 0
      ? { type: 'Degraded', status: 'True', reason: degradedReason, message: problems.join('; ') }
      : { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'every object is applied' },
  );

  const notReady = [stream, collectors, loaders].find((c) => c.status !== 'True');
  set(
    observed.paused
      ? {
          type: 'Ready',
          status: 'Unknown',
          reason: 'ReconciliationPaused',
          message: 'reconciliation is paused',
        }
      : secrets.length > 0
        ? { type: 'Ready', status: 'False', reason: 'SecretMissing', message: secrets.join('; ') }
        : observed.reconcileError
          ? {
              type: 'Ready',
              status: 'False',
              reason: observed.reconcileError.reason,
              message: observed.reconcileError.message,
            }
          : notReady
            ? {
                type: 'Ready',
                status: 'False',
                reason: notReady.reason,
                message: `${notReady.type}: ${notReady.message}`,
              }
            : {
                type: 'Ready',
                status: 'True',
                reason: 'PipelineReady',
                message: 'stream, collectors and loaders are available',
              },
  );
  conditions.sort((a, b) => ORDER.indexOf(a.type as ConditionType) - ORDER.indexOf(b.type as ConditionType));

  const status: EventPipelineStatus = {
    observedGeneration: generation,
    conditions,
    collectors: { desired: observed.collectors.desired, ready: observed.collectors.ready },
    loaders: { desired: observed.loaders.desired, ready: observed.loaders.ready },
  };
  if (observed.stream) {
    const { name, consumer, messages, bytes, lag } = observed.stream;
    status.stream = {
      name,
      consumer,
      ...(messages !== undefined ? { messages } : {}),
      ...(bytes !== undefined ? { bytes } : {}),
    };
    if (lag !== undefined) status.lag = lag;
  } else if (previous?.lag !== undefined) {
    status.lag = previous.lag;
  }
  return status;
}
