/**
 * The batch runner: it only sequences and times the steps of this folder, one file each,
 *
 *   decode → stage-raw → enrich → transform → plan → stage-rows → load → dead-letter → ack
 *
 * each inside its span and timed (log + histogram). What a failure means is the retry module's
 * (`retry.ts`): a transient one retries the whole batch with backoff (nothing acked, `working()`
 * keeps JetStream from redelivering it); a permanent one splits the batch until the messages at fault
 * stand alone, the rest loads, those are stored as dead letters, and the whole batch is acked.
 *
 * The ack comes only after COMMIT (or after the warehouse reports the batch as already loaded), so
 * a crash anywhere before it means a redelivery, and the warehouse's merge makes that harmless.
 * Batches in flight write to the warehouse in order (`scheduler.ts`).
 */
import type { Logger } from '@eventpipe/core';
import { batchId, keepWorking, type Batch } from '../batch.js';
import type { Stager } from '../stage.js';
import type { DeadLetter, Warehouse } from '../load/warehouse.js';
import { batchEvent, inBatchSpan, inStepSpan, linkEvents, type BatchTraceSettings } from '../tracing.js';
import { ackAll } from './ack.js';
import { poisonDeadLetter, storeDeadLetters } from './dead-letter.js';
import { decode, type Message } from './decode.js';
import { enrich, type EnrichEvents } from './enrich.js';
import { countLoaded, load } from './load.js';
import type { LoaderMetrics, Step } from './metrics.js';
import { plan } from './plan.js';
import { inStep, loadIsolating, retryUntilStopped, StepFailure, type RetryPolicy } from './retry.js';
import { CommitOrder, PredecessorAbandoned, type Outcome, type Pipeline, type Turn } from './scheduler.js';
import { stageRaw } from './stage-raw.js';
import { stageRows } from './stage-rows.js';
import { transform, type TransformEvents } from './transform.js';

/** Test-only crash points (`EVENTPIPE_TEST_CRASH_AT`), see loader.ts. */
export type Checkpoint = 'after-stage' | 'after-commit';

export interface PipelineDeps {
  log: Logger;
  warehouse: Warehouse;
  stager: Pick<Stager, 'stageRaw' | 'stageRows'>;
  /** `loader.stageRowFiles`: also write the rows per table to S3 (no warehouse reads them). */
  stageRowFiles: boolean;
  enrich: EnrichEvents;
  transform: TransformEvents;
  /** Resolves once the acks have reached the server. */
  flush(): Promise<void>;
  metrics: LoaderMetrics;
  retry: RetryPolicy;
  /** The consumer's max_deliver: a batch abandoned at that delivery is not redelivered. */
  maxDeliver: number;
  /** How often `working()` is sent for the batch in flight (well under ack_wait). */
  keepAliveMs: number;
  checkpoint?(at: Checkpoint): void;
  /** Told whether the last attempt failed (readiness reports it). */
  onHealth?(failing: string | undefined): void;
  /** Span names and link cap of the batch spans (tracing on). */
  trace?: BatchTraceSettings;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { log, metrics, warehouse } = deps;
  const order = new CommitOrder();

  /** Runs one step in its span, times it, and names the step in its failure (what `decide()` reads). */
  async function step<T>(name: Step, context: object, run: () => T | Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await inStep(name, () => inStepSpan(name, run));
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.stepSeconds.observe({ step: name }, seconds);
      log.debug({ ...context, step: name, ms: Math.round(seconds * 1000) }, 'step done');
    }
  }

  /** Log fields of a part of a batch (the whole batch, or a half being tried on its own). */
  const partContext = (messages: readonly Message[], batch: Batch) => {
    const id = batchId(
      batch.origin,
      messages.map((m) => m.delivery.seq),
    );
    return { batch: batch.id, part: id === batch.id ? undefined : id, events: messages.length };
  };

  /** enrich → transform → plan → stage rows → (turn) → load, for all of `messages`; throws on any failure. */
  async function loadPart(messages: Message[], batch: Batch, turn: Turn): Promise<void> {
    const context = partContext(messages, batch);
    const events = await step('enrich', context, () => enrich(messages, deps.enrich));
    const sources = await step('transform', context, () =>
      transform(events, warehouse.rules, deps.transform),
    );
    const planned = await step('plan', context, () => plan(batch.origin, messages, sources));
    await step('stage-rows', context, () => stageRows(deps.stager, planned, deps.stageRowFiles));
    deps.checkpoint?.('after-stage');
    await turn();
    const result = await step('load', context, () => load(warehouse, planned));
    countLoaded(metrics, result, planned, messages);
    log.info(
      {
        ...context,
        alreadyLoaded: result.alreadyLoaded,
        rows: result.rowsByTable,
        migrations: result.migrations.length,
      },
      result.alreadyLoaded ? 'batch was already loaded' : 'batch loaded',
    );
  }

  /** Loads the messages, splitting on permanent failures; returns the dead letters. */
  function loadSplitting(messages: Message[], batch: Batch, turn: Turn): Promise<DeadLetter[]> {
    return loadIsolating(messages, (part) => loadPart(part, batch, turn), {
      isPermanentLoadError: (error) => warehouse.isPermanentError(error),
      deadLetter: ({ delivery, envelope }, reason) => {
        batchEvent('dead-letter', { reason, seq: delivery.seq });
        return poisonDeadLetter(envelope, delivery, reason);
      },
      log,
      context: (part) => partContext(part, batch),
      describe: ({ delivery, envelope }) => ({ seq: delivery.seq, messageId: envelope.messageId }),
    });
  }

  /** One attempt at the whole batch; throws when it should be retried. */
  async function attempt(batch: Batch, turn: Turn): Promise<void> {
    const context = { batch: batch.id, events: batch.deliveries.length };
    const { messages, deadLetters } = await step('decode', context, () => decode(batch.deliveries));
    linkEvents(() => messages.map((m) => m.envelope.traceparent));
    if (messages.length > 0) {
      await step('stage-raw', context, () => stageRaw(deps.stager, batch.id, messages));
      deadLetters.push(...(await loadSplitting(messages, batch, turn)));
    }
    if (deadLetters.length > 0) {
      await turn();
      await step('dead-letter', context, () => storeDeadLetters(warehouse, deadLetters, metrics));
      log.warn({ ...context, deadLetters: deadLetters.length }, 'messages stored as dead letters');
    }
    deps.checkpoint?.('after-commit');
    await step('ack', context, () => ackAll(batch.deliveries, deps.flush));
  }

  /**
   * Gives up on the batch unacked (shutdown while it could not load). The caller hands it back
   * (nak) once it pulls no more, so JetStream redelivers it to another loader, not to this one.
   */
  function abandon(batch: Batch): Outcome {
    // At their last allowed delivery JetStream will not hand these out again: say so loudly, with
    // the sequences, so they can be re-driven from the stream or the raw archive.
    const final = batch.deliveries.filter((d) => d.info.deliveryCount >= deps.maxDeliver).map((d) => d.seq);
    if (final.length > 0) {
      log.error(
        { batch: batch.id, sequences: final },
        'abandoned at max_deliver: JetStream will not deliver these again; the max-deliveries watch dead-letters them',
      );
    }
    log.warn({ batch: batch.id, events: batch.deliveries.length }, 'batch abandoned unacked');
    return 'abandoned';
  }

  /** Attempts the batch until it loads, or the loader stops, or the batch before it was given up. */
  async function settle(batch: Batch, signal: AbortSignal, turn: Turn): Promise<Outcome> {
    const outcome = await retryUntilStopped(() => attempt(batch, turn), {
      policy: deps.retry,
      signal,
      isFinal: (error) => error instanceof PredecessorAbandoned,
      onRetry: (error, attempts, delayMs) => {
        const failed = error instanceof StepFailure ? error.step : 'load';
        metrics.retries.inc({ step: failed });
        batchEvent('retry', {
          step: failed,
          attempt: attempts,
          delay_ms: delayMs,
          reason: (error as Error).message,
        });
        deps.onHealth?.((error as Error).message);
        log.warn({ batch: batch.id, attempts, delayMs, err: error }, 'batch failed, will retry');
      },
    });
    if (!outcome.ok) return abandon(batch);
    deps.onHealth?.(undefined);
    return 'loaded';
  }

  /** One batch from start to acked or abandoned, timed and kept alive with `working()`. */
  async function run(batch: Batch, signal: AbortSignal, turn: Turn): Promise<Outcome> {
    const started = performance.now();
    metrics.batchEvents.observe(batch.deliveries.length);
    metrics.batchBytes.observe(batch.bytes);
    const stopWorking = keepWorking(batch.deliveries, deps.keepAliveMs);
    try {
      const outcome = await inBatchSpan(deps.trace, { id: batch.id, events: batch.deliveries.length }, () =>
        settle(batch, signal, turn),
      );
      metrics.batches.inc({ outcome });
      metrics.batchSeconds.observe({ outcome }, (performance.now() - started) / 1000);
      return outcome;
    } finally {
      stopWorking();
    }
  }

  return {
    process: (batch, signal) => order.run((turn) => run(batch, signal, turn)),
  };
}
