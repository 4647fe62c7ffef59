/**
 * The operator's Prometheus metrics, in a registry of its own (tests run several operators in one
 * process), served on `/metrics` of the operator's health port, where the chart's ServiceMonitor
 * scrapes it.
 *
 * Names: `eventpipe_operator_*`, base units in the name (`_seconds`), `_total` on counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the gauge counts of a pipeline's status conditions. */
type Conditions = readonly { type: string; status: string }[] | undefined;

/**
 * How one reconcile ended: `success`; `error` (retried with backoff); `invalid_spec` (waits for the
 * next spec change); `skipped_paused` (only status written); `finalized` (the pipeline is being
 * deleted); `gone` (the pipeline was deleted before its turn).
 */
export type ReconcileResult = 'success' | 'error' | 'invalid_spec' | 'skipped_paused' | 'finalized' | 'gone';

export interface OperatorMetrics {
  registry: Registry;
  reconciles: Counter<'result'>;
  reconcileSeconds: Histogram;
  /** Sets where leadership and the pipelines' conditions are read from at scrape time (the controller). */
  measure(isLeader: () => boolean, conditions: () => Iterable<Conditions>): void;
}

export function createOperatorMetrics(): OperatorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'eventpipe_operator_' });
  const registers = [registry];
  let isLeader: () => boolean = () => false;
  let conditions: () => Iterable<Conditions> = () => [];
  new Gauge({
    name: 'eventpipe_operator_leader',
    help: '1 while this replica holds the leader Lease and reconciles, else 0',
    registers,
    collect() {
      this.set(isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'eventpipe_operator_pipelines',
    help: 'EventPipelines by status condition type and status, as this replica sees them',
    labelNames: ['type', 'status'],
    registers,
    collect() {
      // Rebuilt at each scrape: a condition no pipeline has any more must not keep its last count.
      this.reset();
      for (const list of conditions()) {
        for (const condition of list ?? []) this.inc({ type: condition.type, status: condition.status });
      }
    },
  });
  return {
    registry,
    reconciles: new Counter({
      name: 'eventpipe_operator_reconciles_total',
      help: 'Reconciles of an EventPipeline, by result',
      labelNames: ['result'],
      registers,
    }),
    reconcileSeconds: new Histogram({
      name: 'eventpipe_operator_reconcile_duration_seconds',
      help: 'Time one reconcile of an EventPipeline took, whatever its result',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    measure(leader, pipelineConditions) {
      isLeader = leader;
      conditions = pipelineConditions;
    },
  };
}
