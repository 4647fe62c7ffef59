/**
 * THE retry module: what a failure means (`decide`), how long to wait before the next attempt
 * (`backoffDelay`), how a batch is split to find the messages at fault (`halves`, `loadIsolating`),
 * and the loop that retries until the work succeeds or the process stops (`retryUntilStopped`).
 * The batch runner, the max-deliveries watch and replay all use these, so a failure is handled the
 * same way wherever it happens.
 */
import type { Logger } from '@eventpipe/core';
import type { DeadLetter } from '../load/warehouse.js';
import type { Step } from './metrics.js';

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
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

export interface RetryLoop {
  policy: RetryPolicy;
  /** Once aborted, no further attempt starts (an attempt under way finishes). */
  signal: AbortSignal;
  /** A failure no later attempt can cure: the loop stops at once. */
  isFinal?(error: unknown): boolean;
  /** Told of each failure that will be retried, with the wait before the next attempt. */
  onRetry(error: unknown, attempt: number, delayMs: number): void;
}

export type RetryOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `work` until it succeeds, waiting `backoffDelay` between attempts. Gives up only when the
 * signal aborts (the process is stopping) or a failure is final, and says so instead of throwing:
 * what giving up means (abandon a batch, log a dead letter as not stored) is the caller's.
 */
export async function retryUntilStopped<T>(
  work: (attempt: number) => Promise<T>,
  loop: RetryLoop,
): Promise<RetryOutcome<T>> {
  let failure: unknown = new Error('stopped before the first attempt');
  for (let attempt = 1; !loop.signal.aborted; attempt++) {
    try {
      return { ok: true, value: await work(attempt) };
    } catch (error) {
      failure = error;
      if (loop.isFinal?.(error) || loop.signal.aborted) break;
      const delayMs = backoffDelay(attempt, loop.policy);
      loop.onRetry(error, attempt, delayMs);
      await sleep(delayMs, loop.signal);
    }
  }
  return { ok: false, error: failure };
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
