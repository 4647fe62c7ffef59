/**
 * Several batches in flight, committed in order. While one batch loads into the warehouse (waiting
 * on S3 and PostgreSQL), the next is decoded, archived, enriched and transformed. Their warehouse
 * writes still happen in batch order: a batch waits for its turn, which comes when the batch before
 * it has been acked (or abandoned), so commits happen in the order a single batch loop would make
 * them, and whatever depends on that order (`users`, latest traits) is unchanged.
 */
import type { Batch } from '../batch.js';

export type Outcome = 'loaded' | 'abandoned';

/** Resolves when the batch may write to the warehouse; throws `PredecessorAbandoned` if it must not. */
export type Turn = () => Promise<void>;

/** The batch before this one was given up: this one must not commit before it, so it is given up too. */
export class PredecessorAbandoned extends Error {
  constructor() {
    super('the batch before this one was abandoned');
    this.name = 'PredecessorAbandoned';
  }
}

/** Hands each batch its turn: the one handed in before it must have finished, and loaded. */
export class CommitOrder {
  /** Settles when the batch last handed in has been acked or abandoned. */
  private previous: Promise<Outcome> = Promise.resolve('loaded');

  run(work: (turn: Turn) => Promise<Outcome>): Promise<Outcome> {
    const before = this.previous;
    const turn: Turn = async () => {
      if ((await before) === 'abandoned') throw new PredecessorAbandoned();
    };
    const outcome = work(turn);
    // A failure of this batch's own (a bug) must not hold up the ones after it forever.
    this.previous = outcome.catch((): Outcome => 'abandoned');
    return outcome;
  }
}

export interface Pipeline {
  /**
   * Loads and acks the batch, retrying as long as needed. Once `signal` aborts it stops retrying
   * and returns 'abandoned', leaving the batch unacked for the caller to hand back. Batches may be
   * processed concurrently; each writes to the warehouse only after the one handed in before it has
   * been acked, and is abandoned too if that one was.
   */
  process(batch: Batch, signal: AbortSignal): Promise<Outcome>;
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
