import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStatus, setCondition, type Observation } from './status.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

const healthy: Observation = {
  generation: 3,
  paused: false,
  stream: { ready: true, name: 'EVENTS', consumer: 'loader', messages: 10, bytes: 1000, lag: 7 },
  collectors: { found: true, desired: 2, ready: 2, available: true },
  loaders: { found: true, desired: 1, ready: 1, available: true },
  missingApis: [],
};

const condition = (status: ReturnType<typeof nextStatus>, type: string) =>
  status.conditions!.find((c) => c.type === type)!;

test('a healthy pipeline is Ready, with counts, lag and observedGeneration', () => {
  const status = nextStatus(undefined, healthy, t0);
  assert.equal(status.observedGeneration, 3);
  assert.deepEqual(status.collectors, { desired: 2, ready: 2 });
  assert.equal(status.lag, 7);
  assert.deepEqual(
    status.conditions!.map((c) => [c.type, c.status]),
    [
      ['Ready', 'True'],
      ['StreamReady', 'True'],
      ['CollectorsAvailable', 'True'],
      ['LoadersAvailable', 'True'],
      ['Degraded', 'False'],
      ['ReconciliationPaused', 'False'],
    ],
  );
  for (const c of status.conditions!) {
    assert.equal(c.observedGeneration, 3);
    assert.equal(c.lastTransitionTime, '2026-01-01T00:00:00Z');
  }
});

test('lastTransitionTime moves only when a status changes, not for a new message', () => {
  const first = nextStatus(undefined, healthy, t0);
  const same = nextStatus(
    first,
    { ...healthy, collectors: { ...healthy.collectors, ready: 3, desired: 3 } },
    t1,
  );
  assert.equal(condition(same, 'CollectorsAvailable').lastTransitionTime, '2026-01-01T00:00:00Z');
  assert.equal(condition(same, 'CollectorsAvailable').message, '3/3 collectors ready');

  const down = nextStatus(
    same,
    { ...healthy, loaders: { found: true, desired: 1, ready: 0, available: false } },
    t1,
  );
  assert.equal(condition(down, 'LoadersAvailable').status, 'False');
  assert.equal(condition(down, 'LoadersAvailable').lastTransitionTime, '2026-01-01T00:05:00Z');
  assert.equal(condition(down, 'Ready').status, 'False');
  assert.equal(condition(down, 'Ready').reason, 'MinimumReplicasUnavailable');
  assert.equal(condition(down, 'StreamReady').lastTransitionTime, '2026-01-01T00:00:00Z');
});

test('the same observation twice gives an identical status (no write, no watch loop)', () => {
  const first = nextStatus(undefined, healthy, t0);
  assert.deepEqual(nextStatus(first, healthy, t1), first);
});

test('APIs the cluster does not serve: Degraded says what is missing and what serves it; Ready is unaffected', () => {
  const status = nextStatus(
    undefined,
    {
      ...healthy,
      missingApis: [
        { kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', needs: 'Kubernetes 1.23+' },
        { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', needs: 'Kubernetes 1.21+' },
      ],
    },
    t0,
  );
  const degraded = condition(status, 'Degraded');
  assert.equal(degraded.status, 'True');
  assert.equal(degraded.reason, 'APIVersionsNotServed');
  assert.match(
    degraded.message,
    /HorizontalPodAutoscaler skipped: the cluster does not serve autoscaling\/v2 \(needs Kubernetes 1\.23\+\)/,
  );
  assert.match(degraded.message, /policy\/v1 \(needs Kubernetes 1\.21\+\)/);
  assert.equal(condition(status, 'Ready').status, 'True');
});

test('paused, a reconcile error, an unreachable stream and a missing Deployment each say so', () => {
  const paused = nextStatus(undefined, { ...healthy, paused: true }, t0);
  assert.equal(condition(paused, 'ReconciliationPaused').status, 'True');
  assert.equal(condition(paused, 'Ready').reason, 'ReconciliationPaused');

  const failed = nextStatus(
    undefined,
    { ...healthy, reconcileError: { reason: 'InvalidSpec', message: 'min above max' } },
    t0,
  );
  assert.deepEqual(
    [condition(failed, 'Ready').status, condition(failed, 'Ready').reason],
    ['False', 'InvalidSpec'],
  );
  assert.equal(condition(failed, 'Degraded').message, 'min above max');

  const noStream = nextStatus(
    undefined,
    {
      ...healthy,
      stream: {
        ready: false,
        reason: 'NatsUnreachable',
        message: 'connection refused',
        name: 'EVENTS',
        consumer: 'loader',
      },
    },
    t0,
  );
  assert.deepEqual(
    [condition(noStream, 'StreamReady').status, condition(noStream, 'Ready').reason],
    ['False', 'NatsUnreachable'],
  );
  assert.equal(noStream.lag, undefined);

  const noDeployment = nextStatus(
    undefined,
    { ...healthy, collectors: { found: false, desired: 0, ready: 0, available: false } },
    t0,
  );
  assert.equal(condition(noDeployment, 'CollectorsAvailable').reason, 'DeploymentNotFound');
});

test('setCondition replaces the condition of the same type only', () => {
  const a = setCondition([], { type: 'A', status: 'True', reason: 'X', message: '' }, 1, t0);
  const ab = setCondition(a, { type: 'B', status: 'False', reason: 'Y', message: '' }, 1, t0);
  const ab2 = setCondition(ab, { type: 'A', status: 'False', reason: 'Z', message: '' }, 2, t1);
  assert.deepEqual(
    ab2.map((c) => [c.type, c.status, c.lastTransitionTime, c.observedGeneration]),
    [
      ['B', 'False', '2026-01-01T00:00:00Z', 1],
      ['A', 'False', '2026-01-01T00:05:00Z', 2],
    ],
  );
});

test('a missing Secret or key: Degraded and Ready say SecretMissing, naming Secret, key and field; it clears', () => {
  const missing = nextStatus(
    undefined,
    {
      ...healthy,
      missingSecrets: [
        {
          secret: 'write-keys',
          key: 'web',
          field: 'spec.sources[web].writeKeySecretRef',
          secretExists: false,
        },
        { secret: 'warehouse', key: 'url', field: 'spec.warehouse.connectionSecretRef', secretExists: true },
      ],
    },
    t0,
  );
  for (const type of ['Degraded', 'Ready']) {
    assert.equal(condition(missing, type).reason, 'SecretMissing');
    assert.equal(
      condition(missing, type).message,
      'Secret "write-keys" not found (spec.sources[web].writeKeySecretRef); ' +
        'Secret "warehouse" has no key "url" (spec.warehouse.connectionSecretRef)',
    );
  }
  assert.equal(condition(missing, 'Degraded').status, 'True');
  assert.equal(condition(missing, 'Ready').status, 'False');

  const cleared = nextStatus(missing, { ...healthy, missingSecrets: [] }, t1);
  assert.equal(condition(cleared, 'Degraded').status, 'False');
  assert.equal(condition(cleared, 'Ready').status, 'True');
  assert.equal(condition(cleared, 'Ready').lastTransitionTime, '2026-01-01T00:05:00Z');
});
