/**
 * The per-batch runner: decode → stage raw → enrich → transform → stage rows → load → dead letters →
 * ack. Every step is timed (log + histogram). Whether a failure is retried, split or dead-lettered
 * is decided in one place, `decide()`:
 *
 * - transient (warehouse or S3 unreachable, serialization conflict, …): the whole batch is retried
 *   with exponential backoff, nothing is acked, and `working()` keeps JetStream from redelivering it;
 * - permanent (the warehouse rejects the data, or a pure step throws): the batch is split in halves
 *   until the message(s) at fault stand alone; the rest loads, each poison message is stored as a
 *   dead letter with the reason, and then the whole batch is acked.
 *
 * The ack comes only after COMMIT (or after the warehouse reports the batch as already loaded), so
 * a crash anywhere before it means a redelivery, and the warehouse's merge makes that harmless.
 *
 * Several batches may be in flight (`runBatches`): while one loads into the warehouse (waiting on S3
 * and PostgreSQL), the next is decoded, archived, enriched, transformed and staged. Their warehouse
 * writes still happen in batch order: a batch waits for its turn, which comes when the batch before
 * it has been acked (or abandoned), so commits happen in the order a single batch loop would make
 * them, and whatever depends on that order (`users`, latest traits) is unchanged.
 */
import type { Envelope, Logger } from '@eventpipe/core';
import { ackAll } from './ack.js';
import { batchId, keepWorking, type Batch } from './batch.js';
import { decodeEnvelope, type Delivery } from './consume.js';
import { poisonDeadLetter, undecodableDeadLetter } from './deadletter.js';
import { deadLetterReason, type LoaderMetrics, type Step } from './pipeline-metrics.js';
import { ndjsonLine, type RawGroup, type Stager } from './stage.js';
import type { DeadLetter, Warehouse } from './load/warehouse.js';
import { batchEvent, inBatchSpan, inStepSpan, linkEvents, type BatchTraceSettings } from './tracing.js';
import type { DialectRules, EnrichedEvent, SourceBatch } from './transform/types.js';

/** Test-only crash points (`EVENTPIPE_TEST_CRASH_AT`), see server.ts. */
export type Checkpoint = 'after-stage' | 'after-commit';

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export interface PipelineDeps {
  log: Logger;
  warehouse: Warehouse;
  stager: Pick<Stager, 'stageRaw' | 'stageRows'>;
  /** The enrichment seam: envelopes in, the same events with their computed fields out. */
  enrich(envelopes: Envelope[]): EnrichedEvent[] | Promise<EnrichedEvent[]>;
  transform(events: EnrichedEvent[], rules: DialectRules): SourceBatch[];
  /** The warehouse driver's verdict: will this load error happen again however often we retry? */
  isPermanentLoadError(error: unknown): boolean;
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

/** A step failed: which one, and the error it threw. */
export class StepFailure extends Error {
  constructor(
    readonly step: Step,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StepFailure';
  }
}

/** The batch before this one was given up: this one must not commit before it, so it is given up too. */
class PredecessorAbandoned extends Error {
  constructor() {
    super('the batch before this one was abandoned');
    this.name = 'PredecessorAbandoned';
  }
}

/** Runs one step, turning its failure into a `StepFailure` naming the step (what `decide()` reads). */
export async function inStep<T>(step: Step, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new StepFailure(step, error);
  }
}

export type Decision = 'retry' | 'split' | 'dead-letter';

/**
 * THE retry policy. Pure steps (enrich, transform) fail the same way every time, and so do the load
 * errors the driver calls permanent: those are isolated by splitting. Everything else (S3, network,
 * the warehouse being down, our own bugs in I/O code) is retried: waiting never loses data.
 */
export function decide(
  failure: unknown,
  events: number,
  isPermanentLoadError: (error: unknown) => boolean,
): Decision {
  if (!(failure instanceof StepFailure)) return 'retry';
  const permanent =
    failure.step === 'enrich' ||
    failure.step === 'transform' ||
    (failure.step === 'load' && isPermanentLoadError(failure.cause));
  if (!permanent) return 'retry';
  return events > 1 ? 'split' : 'dead-letter';
}

/** Exponential backoff with ±20 % jitter, so loaders that failed together do not retry together. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

/** Halves in stream order: the split that finds k poison messages among n in O(k log n) loads. */
export function halves<T>(items: readonly T[]): [T[], T[]] {
  const middle = Math.ceil(items.length / 2);
  return [items.slice(0, middle), items.slice(middle)];
}

interface Item {
  delivery: Delivery;
  envelope: Envelope;
}

export interface IsolateOptions<T> {
  isPermanentLoadError(error: unknown): boolean;
  /** The dead letter of a message that fails alone. */
  deadLetter(item: T, reason: string): DeadLetter;
  log: Logger;
  /** Log fields naming the items (batch, part, …). */
  context(items: readonly T[]): object;
  /** Log fields naming one item (sequence, message id). */
  describe(item: T): object;
}

/**
 * Loads `items` with `attempt`, isolating the messages at fault: on a failure `decide()` calls
 * permanent the items are split in halves (each half attempted on its own) until each message at
 * fault stands alone, and those come back as dead letters, while everything else loads. Any other
 * failure is rethrown for the caller to retry. The loader and replay both load through this, so a
 * poison message is handled the same way wherever it is loaded from.
 */
export async function loadIsolating<T>(
  items: T[],
  attempt: (part: T[]) => Promise<void>,
  options: IsolateOptions<T>,
): Promise<DeadLetter[]> {
  try {
    await attempt(items);
    return [];
  } catch (error) {
    const decision = decide(error, items.length, options.isPermanentLoadError);
    if (decision === 'retry') throw error;
    const reason = (error as Error).message;
    const context = options.context(items);
    if (decision === 'dead-letter') {
      options.log.warn({ ...context, ...options.describe(items[0]!), reason }, 'poison message');
      return [options.deadLetter(items[0]!, reason)];
    }
    options.log.warn({ ...context, reason }, 'permanent failure: splitting the batch to isolate it');
    const [left, right] = halves(items);
    return [
      ...(await loadIsolating(left, attempt, options)),
      ...(await loadIsolating(right, attempt, options)),
    ];
  }
}

/**
 * The metric labels of a load's `rejectedByTable` (`<schema>.<table>` → values kept in `_rejected`,
 * counted after schema planning, so values an existing column's type refused are in it too).
 */
export function rejectedValueCounts(
  rejectedByTable: Readonly<Record<string, number>>,
): { schema: string; table: string; values: number }[] {
  return Object.entries(rejectedByTable).map(([key, values]) => {
    const dot = key.indexOf('.');
    return { schema: key.slice(0, dot), table: key.slice(dot + 1), values };
  });
}

/** Raw archive files: one per source, lines in stream order, named after the first envelope's hour. */
export function rawGroups(items: readonly Item[]): RawGroup[] {
  const groups = new Map<string, RawGroup>();
  for (const { delivery, envelope } of items) {
    let group = groups.get(envelope.sourceId);
    if (!group) {
      group = { sourceId: envelope.sourceId, receivedAt: envelope.receivedAt, lines: [] };
      groups.set(envelope.sourceId, group);
    }
    group.lines.push(ndjsonLine(delivery.data));
  }
  return [...groups.values()];
}

export type Outcome = 'loaded' | 'abandoned';

/** Resolves when the batch may write to the warehouse; throws `PredecessorAbandoned` if it must not. */
type Turn = () => Promise<void>;

export interface Pipeline {
  /**
   * Loads and acks the batch, retrying as long as needed. Once `signal` aborts it stops retrying
   * and returns 'abandoned', leaving the batch unacked for the caller to hand back. Batches may be
   * processed concurrently; each writes to the warehouse only after the one handed in before it has
   * been acked, and is abandoned too if that one was.
   */
  process(batch: Batch, signal: AbortSignal): Promise<Outcome>;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { log, metrics, warehouse } = deps;

  async function timed<T>(step: Step, context: object, run: () => T | Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await inStep(step, () => inStepSpan(step, run));
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics.stepSeconds.observe({ step }, seconds);
      log.debug({ ...context, step, ms: Math.round(seconds * 1000) }, 'step done');
    }
  }

  /** Log fields of a part of a batch (the whole batch, or a half being tried on its own). */
  const partContext = (items: readonly Item[], batch: Batch) => {
    const id = batchId(
      batch.origin,
      items.map((i) => i.delivery.seq),
    );
    return { batch: batch.id, part: id === batch.id ? undefined : id, events: items.length };
  };

  /** enrich → transform → stage rows → (turn) → load, for all of `items`; throws on any failure. */
  async function loadPart(items: Item[], batch: Batch, turn: Turn): Promise<void> {
    const sequences = items.map((i) => i.delivery.seq);
    const id = batchId(batch.origin, sequences);
    const context = partContext(items, batch);
    const enriched = await timed('enrich', context, () => deps.enrich(items.map((i) => i.envelope)));
    const sources = await timed('transform', context, () => deps.transform(enriched, warehouse.rules));
    const stagedFiles = await timed('stage-rows', context, () => deps.stager.stageRows(id, sources));
    deps.checkpoint?.('after-stage');
    await turn();
    const result = await timed('load', context, () =>
      warehouse.load({
        batchId: id,
        firstSequence: sequences[0]!,
        lastSequence: sequences[sequences.length - 1]!,
        sources,
        stagedFiles,
      }),
    );
    for (const [table, rows] of Object.entries(result.rowsByTable)) metrics.rowsLoaded.inc({ table }, rows);
    if (!result.alreadyLoaded) metrics.observeCommitted(items.map((i) => i.envelope.receivedAt));
    // A batch loaded before (redelivery) did not load its values again: count them once.
    if (!result.alreadyLoaded) {
      for (const { values, ...labels } of rejectedValueCounts(result.rejectedByTable))
        metrics.rejectedValues.inc(labels, values);
      for (const { sourceId, surrogatesReplaced } of sources)
        if (surrogatesReplaced) metrics.surrogatesReplaced.inc({ source: sourceId }, surrogatesReplaced);
    }
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

  /** Loads the items, splitting on permanent failures; returns the dead letters. */
  function load(items: Item[], batch: Batch, turn: Turn): Promise<DeadLetter[]> {
    return loadIsolating(items, (part) => loadPart(part, batch, turn), {
      isPermanentLoadError: deps.isPermanentLoadError,
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
    const items: Item[] = [];
    const deadLetters: DeadLetter[] = [];
    await inStepSpan('decode', () => {
      for (const delivery of batch.deliveries) {
        const decoded = decodeEnvelope(delivery.data);
        if (decoded.ok) items.push({ delivery, envelope: decoded.envelope });
        else deadLetters.push(undecodableDeadLetter(delivery, decoded.reason));
      }
    });
    linkEvents(() => items.map((i) => i.envelope.traceparent));
    const context = { batch: batch.id, events: batch.deliveries.length };
    if (items.length > 0) {
      await timed('stage-raw', context, () => deps.stager.stageRaw(batch.id, rawGroups(items)));
      deadLetters.push(...(await load(items, batch, turn)));
    }
    if (deadLetters.length > 0) {
      await turn();
      await timed('dead-letter', context, () => warehouse.deadLetter(deadLetters));
      for (const d of deadLetters)
        metrics.deadLettered.inc({ source: d.sourceId, reason: deadLetterReason(d) });
      log.warn({ ...context, deadLetters: deadLetters.length }, 'messages stored as dead letters');
    }
    deps.checkpoint?.('after-commit');
    await timed('ack', context, () => ackAll(batch.deliveries, deps.flush));
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

  async function settle(batch: Batch, signal: AbortSignal, turn: Turn): Promise<Outcome> {
    for (let attempts = 1; !signal.aborted; attempts++) {
      try {
        await attempt(batch, turn);
        deps.onHealth?.(undefined);
        return 'loaded';
      } catch (error) {
        if (error instanceof PredecessorAbandoned) break;
        const step = error instanceof StepFailure ? error.step : 'load';
        const delayMs = backoffDelay(attempts, deps.retry);
        metrics.retries.inc({ step });
        batchEvent('retry', { step, attempt: attempts, delay_ms: delayMs, reason: (error as Error).message });
        deps.onHealth?.((error as Error).message);
        log.warn({ batch: batch.id, attempts, delayMs, err: error }, 'batch failed, will retry');
        await sleep(delayMs, signal);
      }
    }
    return abandon(batch);
  }

  /** Settles when the batch last handed to `process` has been acked or abandoned. */
  let previous: Promise<Outcome> = Promise.resolve('loaded');

  return {
    process(batch, signal) {
      const before = previous;
      const turn: Turn = async () => {
        if ((await before) === 'abandoned') throw new PredecessorAbandoned();
      };
      const outcome = run(batch, signal, turn);
      // A failure of this batch's own (a bug) must not hold up the ones after it forever.
      previous = outcome.catch((): Outcome => 'abandoned');
      return outcome;
    },
  };

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
}

export interface RunOptions {
  /** Batches processed at once (`loader.maxBatchesInFlight`). */
  maxInFlight: number;
  /** Once aborted, batches still handed out are not processed, only held. */
  signal: AbortSignal;
  /** Receives every batch left unacked (abandoned, or formed after the abort) to hand back. */
  hold(batch: Batch): void;
}

/**
 * Feeds batches from `next` (until it returns undefined) through the pipeline, at most
 * `maxInFlight` at once: the next batch is taken only when one of them has finished, so memory is
 * bounded by that many batches. Resolves once every batch has finished; rejects with the first
 * unexpected error after the others have.
 */
export async function runBatches(
  next: () => Promise<Batch | undefined>,
  pipeline: Pipeline,
  options: RunOptions,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (;;) {
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    if (failure) break;
    const batch = await next();
    if (!batch) break;
    const running = (async () => {
      const abandoned =
        options.signal.aborted || (await pipeline.process(batch, options.signal)) === 'abandoned';
      if (abandoned) options.hold(batch);
    })()
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}

/** Waits, or returns early when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
