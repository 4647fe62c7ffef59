import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideReplicas, type Recommendation, type ScalingPolicy } from './scaling.js';

const policy: ScalingPolicy = { min: 1, max: 5, targetLagPerReplica: 100, scaleDownStabilizationMs: 60_000 };

test('replicas follow lag per replica, within [min, max]', () => {
  assert.equal(decideReplicas(policy, 1, 0, [], 0).replicas, 1);
  assert.equal(decideReplicas(policy, 1, 250, [], 0).replicas, 3);
  assert.equal(decideReplicas(policy, 1, 1_000_000, [], 0).replicas, 5);
  assert.equal(decideReplicas({ ...policy, min: 2 }, 2, 0, [], 0).replicas, 2);
});

test('scale up at once, scale down only after the stabilization window', () => {
  let history: Recommendation[] = [];
  let replicas = 1;
  const step = (lag: number | undefined, at: number) => {
    ({ replicas, history } = decideReplicas(policy, replicas, lag, history, at));
    return replicas;
  };
  assert.equal(step(450, 0), 5);
  assert.equal(step(0, 10_000), 5, 'drained, but inside the window');
  assert.equal(step(0, 59_999), 5);
  assert.equal(step(0, 60_001), 1, 'the window has passed since the last high recommendation');
  assert.ok(history.length <= 3, 'old recommendations are dropped');
});

test('a burst inside the window restarts the wait', () => {
  let { history, replicas } = decideReplicas(policy, 1, 300, [], 0);
  ({ history, replicas } = decideReplicas(policy, replicas, 200, history, 50_000));
  ({ history, replicas } = decideReplicas(policy, replicas, 0, history, 70_000));
  assert.equal(replicas, 2, 'the 200-lag recommendation at 50 s still holds');
  ({ history, replicas } = decideReplicas(policy, replicas, 0, history, 110_001));
  assert.equal(replicas, 1);
});

test('unknown lag keeps the current count, and a new leader waits a window before scaling down', () => {
  assert.equal(decideReplicas(policy, 4, undefined, [], 0).replicas, 4);
  const fresh = decideReplicas(policy, 4, 0, [], 1000);
  assert.equal(fresh.replicas, 4, 'history seeded with the current count');
  assert.equal(decideReplicas(policy, 4, 0, fresh.history, 61_001).replicas, 1);
});
