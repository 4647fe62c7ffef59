/**
 * The loader replica count from consumer lag, as the HorizontalPodAutoscaler decides from a metric:
 * enough loaders for the lag at `targetLagPerReplica` each, within [min, max]; up at once, down only
 * to the highest count recommended during the stabilization window, so a lull does not scale down
 * loaders that the next burst needs. Pure: the caller keeps the history between calls.
 */
export interface ScalingPolicy {
  min: number;
  max: number;
  targetLagPerReplica: number;
  scaleDownStabilizationMs: number;
}

export interface Recommendation {
  at: number;
  replicas: number;
}

export interface ScalingDecision {
  replicas: number;
  /** The recommendations still inside the window, to pass to the next call. */
  history: Recommendation[];
}

/**
 * `lag` undefined (the consumer could not be read) keeps `current`: missing data never scales
 * down. An empty history (a new leader) is seeded with `current`, so a fresh operator waits a full
 * window before scaling down what its predecessor scaled up.
 */
export function decideReplicas(
  policy: ScalingPolicy,
  current: number,
  lag: number | undefined,
  history: readonly Recommendation[],
  now: number,
): ScalingDecision {
  const clamp = (n: number) => Math.min(policy.max, Math.max(policy.min, n));
  const seeded = history.length > 0 ? history : [{ at: now, replicas: clamp(current) }];
  const recommended = lag === undefined ? clamp(current) : clamp(Math.ceil(lag / policy.targetLagPerReplica));
  const kept = [
    ...seeded.filter((r) => now - r.at < policy.scaleDownStabilizationMs),
    { at: now, replicas: recommended },
  ];
  const replicas = Math.max(...kept.map((r) => r.replicas));
  return { replicas, history: kept };
}
