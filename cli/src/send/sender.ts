/**
 * Sends events to a collector's `/v1/batch` like an SDK does: Basic auth with the write key, batches,
 * a rate limit, and retries of 429/503/network errors that honour `Retry-After`. Counts what the
 * collector accepted and what it rejected, by reason, so nothing is lost without being reported.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SegmentEvent } from '@eventpipe/core';

export interface SendOptions {
  /** Collector base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  writeKey: string;
  count: number;
  /** Events per second; 0 = as fast as the collector answers. */
  rate: number;
  batchSize: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Attempts per batch before its events are reported as failed. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
  next(): SegmentEvent;
  /** Called after each batch is settled, with its number of events. */
  onBatch?(events: number): void;
}

export interface SendSummary {
  sent: number;
  accepted: number;
  rejected: number;
  /** Rejection reason → number of events. */
  reasons: Record<string, number>;
  retries: number;
  elapsedMs: number;
}

interface BatchOutcome {
  accepted: number;
  rejected: { reason: string; count: number }[];
  retries: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/** Seconds or HTTP-date, per RFC 9110; falls back to exponential backoff. */
export function retryDelayMs(retryAfter: string | null, attempt: number): number {
  const backoff = Math.min(200 * 2 ** attempt, 10_000);
  if (!retryAfter) return backoff;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? backoff : Math.max(0, date - Date.now());
}

/** The collector's answer as reasons: per-event `rejected` entries if it lists them, else the message. */
export function readRejections(
  status: number,
  body: unknown,
  batchLength: number,
): { accepted: number; rejected: { reason: string; count: number }[] } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const listed = Array.isArray(b.rejected) ? (b.rejected as unknown[]) : [];
  if (status >= 200 && status < 300) {
    const rejected = listed.map((r) => {
      const entry = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
      const reason = entry.reason ?? entry.message ?? entry.error ?? 'rejected';
      return { reason: String(reason), count: 1 };
    });
    const accepted = typeof b.accepted === 'number' ? b.accepted : batchLength - rejected.length;
    return { accepted, rejected };
  }
  const message = b.message ?? b.error ?? 'no message';
  return { accepted: 0, rejected: [{ reason: `HTTP ${status}: ${String(message)}`, count: batchLength }] };
}

async function postBatch(batch: SegmentEvent[], options: SendOptions): Promise<BatchOutcome> {
  const endpoint = new URL('/v1/batch', options.url);
  const auth = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  const maxAttempts = options.maxAttempts ?? 10;
  let lastProblem = '';
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    let retryAfter: string | null = null;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
        signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
      });
      const text = await response.text();
      if (!RETRYABLE.has(response.status)) {
        let body: unknown = undefined;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = { message: text.slice(0, 200) };
        }
        return { ...readRejections(response.status, body, batch.length), retries: attempt };
      }
      retryAfter = response.headers.get('retry-after');
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (attempt + 1 < maxAttempts) await sleep(retryDelayMs(retryAfter, attempt));
  }
  return {
    accepted: 0,
    rejected: [{ reason: `gave up after ${maxAttempts} attempts: ${lastProblem}`, count: batch.length }],
    retries: maxAttempts - 1,
  };
}

/** Sends `count` events and resolves with the summary; never throws for a collector's refusal. */
export async function sendEvents(options: SendOptions): Promise<SendSummary> {
  const started = Date.now();
  const summary: SendSummary = { sent: 0, accepted: 0, rejected: 0, reasons: {}, retries: 0, elapsedMs: 0 };
  let remaining = options.count;
  // Rate limiting by time slots shared between workers: each batch reserves the next slot, so the
  // long-run rate holds whatever the number of requests in flight.
  let nextSlot = started;

  const worker = async () => {
    while (remaining > 0) {
      const size = Math.min(options.batchSize, remaining);
      remaining -= size;
      const batch = Array.from({ length: size }, () => options.next());
      if (options.rate > 0) {
        const at = nextSlot;
        nextSlot += (size * 1000) / options.rate;
        if (at > Date.now()) await sleep(at - Date.now());
      }
      const outcome = await postBatch(batch, options);
      summary.sent += size;
      summary.accepted += outcome.accepted;
      summary.retries += outcome.retries;
      for (const { reason, count } of outcome.rejected) {
        summary.rejected += count;
        summary.reasons[reason] = (summary.reasons[reason] ?? 0) + count;
      }
      options.onBatch?.(size);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  summary.elapsedMs = Date.now() - started;
  return summary;
}
