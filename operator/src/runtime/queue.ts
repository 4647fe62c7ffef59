/**
 * A work queue of keys (`namespace/name`), as controller-runtime has: a key waiting is queued once
 * however often it is added; one key is never worked on twice at the same time (an add during its
 * work runs it again afterwards, so the last change is always seen); a failing key is retried with
 * exponential backoff; different keys run concurrently up to a limit.
 */
import type { Logger } from '@eventpipe/core';

export interface QueueOptions {
  concurrency?: number;
  /** First retry delay after a failure; doubles per consecutive failure up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** The delay before retry number `failures` (1 = first retry): base · 2^(failures-1), capped. */
export function backoffDelay(failures: number, baseDelayMs: number, maxDelayMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - 1, 30));
}

export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  /** Keys added again while being worked on: requeued when their work ends. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private stopped = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly worker: (key: string) => Promise<void>,
    private readonly log: Logger,
    options: QueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.waiting.push(key);
    this.pump();
  }

  /** Adds the key after a delay, unless an earlier delayed add for it is still pending. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Forgets a key's failures (it was deleted, or succeeded by other means). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Stops taking work and waits for the keys in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.waiting.length = 0;
    this.queued.clear();
    if (this.active.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.concurrency && this.waiting.length > 0) {
      const key = this.waiting.shift()!;
      this.queued.delete(key);
      this.active.add(key);
      void this.work(key);
    }
  }

  private async work(key: string): Promise<void> {
    try {
      await this.worker(key);
      this.failures.delete(key);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const delayMs = backoffDelay(failures, this.baseDelayMs, this.maxDelayMs);
      this.log.warn({ key, failures, retryInMs: delayMs, err: error }, 'reconcile failed');
      this.addAfter(key, delayMs);
    } finally {
      this.active.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      if (this.active.size === 0) for (const resolve of this.idle.splice(0)) resolve();
      this.pump();
    }
  }
}
