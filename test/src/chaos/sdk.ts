/**
 * A load generator that behaves like a Segment server SDK: it queues track calls, sends them in
 * batches to `/v1/batch`, and retries a batch that got a 5xx, a 429, a timeout or a connection error
 * with the same message ids, after `Retry-After` when the collector gives one and after an exponential
 * backoff otherwise. It spreads attempts over the collectors as a load balancer would.
 *
 * For every event it keeps what the suite later checks the warehouse against: a hash of the content
 * it sent, when it was first sent, and whether (and when) a 200 acknowledged it.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** The one event name the suite sends: its rows land in `<source>.tracks` and `<source>.chaos_event`. */
export const EVENT_NAME = 'Chaos Event';
export const EVENT_TABLE = 'chaos_event';

export interface SentEvent {
  id: string;
  hash: string;
  /** Epoch ms of the `track()` call that queued it: latency counts from here, as a user sees it. */
  trackedAt: number;
  /** Epoch ms of the 200, when one came. */
  ackedAt?: number;
  /** The 4xx (not 429) that refused it for good: a collector bug for these well-formed events. */
  rejected?: string;
}

/**
 * The content the warehouse must reproduce, as strings in a fixed order: the same function reads a
 * sent event and a warehouse row (see `rowContent`), so a changed value, type or precision shows.
 */
export interface EventContent {
  id: string;
  userId: string;
  anonymousId: string;
  event: string;
  timestamp: string;
  seq: string;
  label: string;
  amount: string;
  flag: string;
  nestedDepth: string;
}

export function contentHash(c: EventContent): string {
  const fields = [
    c.id,
    c.userId,
    c.anonymousId,
    c.event,
    c.timestamp,
    c.seq,
    c.label,
    c.amount,
    c.flag,
    c.nestedDepth,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** A track call as an SDK sends it; `seq` makes each one distinct, the label carries non-ASCII text. */
export function chaosEvent(runId: string, seq: number, now = new Date()) {
  return {
    type: 'track',
    messageId: `${runId}-${seq}`,
    userId: `user-${seq % 97}`,
    anonymousId: `anon-${seq % 389}`,
    event: EVENT_NAME,
    timestamp: now.toISOString(),
    properties: {
      seq,
      label: `größe ✓ "quoted" \\ tab\there ${seq}`,
      amount: seq + 0.25,
      flag: seq % 2 === 0,
      nested: { depth: `d${seq % 13}` },
    },
    context: { library: { name: 'eventpipe-chaos', version: '1.0.0' } },
  };
}

export type ChaosEvent = ReturnType<typeof chaosEvent>;

/** The content of an event as sent (or as archived raw, which must be the same). */
export function sentContent(e: ChaosEvent): EventContent {
  return {
    id: e.messageId,
    userId: e.userId,
    anonymousId: e.anonymousId,
    event: e.event,
    timestamp: new Date(e.timestamp).toISOString(),
    seq: String(e.properties.seq),
    label: e.properties.label,
    amount: String(e.properties.amount),
    flag: String(e.properties.flag),
    nestedDepth: e.properties.nested.depth,
  };
}

/**
 * How long to wait before retrying: the collector's `Retry-After` (seconds, or an HTTP date) when it
 * sent one, else exponential backoff from 100 ms, capped at 2 s, with jitter so clients spread out.
 */
export function retryDelayMs(retryAfter: string | null, attempt: number, now = Date.now()): number {
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const base = Math.min(2000, 100 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2);
}

/** Whether an SDK retries this answer (a status, or undefined for no answer at all). */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 429 || status === 408 || status >= 500;
}

export interface SdkOptions {
  /** Collector base URLs; each attempt goes to the next one. */
  collectors: () => string[];
  writeKey: string;
  runId: string;
  /** Attempts in flight at once, as several SDK instances would have. */
  concurrency: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  batchSize: number;
}

export interface SdkStats {
  /** Answers by status (`200`, `503`, `503 stream full`, …), `timeout` and `network` for no answer. */
  answers: Record<string, number>;
  retries: number;
}

export class Sdk {
  readonly events = new Map<string, SentEvent>();
  readonly stats: SdkStats = { answers: {}, retries: 0 };
  private seq = 0;
  private next = 0;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly sending = new Set<Promise<void>>();
  private stopAt = Infinity;

  constructor(private readonly options: SdkOptions) {}

  /** Queues `count` new events and starts sending them in batches. */
  track(count: number): void {
    const now = new Date();
    for (let start = 0; start < count; start += this.options.batchSize) {
      const batch: ChaosEvent[] = [];
      for (let i = start; i < Math.min(count, start + this.options.batchSize); i++) {
        const event = chaosEvent(this.options.runId, ++this.seq, now);
        this.events.set(event.messageId, {
          id: event.messageId,
          hash: contentHash(sentContent(event)),
          trackedAt: now.getTime(),
        });
        batch.push(event);
      }
      const sending = this.send(batch).finally(() => this.sending.delete(sending));
      this.sending.add(sending);
    }
  }

  /** Lets the batches still queued or retrying finish, giving up on them at `deadline` (epoch ms). */
  async drain(deadline: number): Promise<void> {
    this.stopAt = deadline;
    while (this.sending.size > 0) await Promise.race(this.sending);
  }

  private async slot(): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const wake = this.waiting.shift();
    if (wake) wake();
    else this.active--;
  }

  private count(answer: string): void {
    this.stats.answers[answer] = (this.stats.answers[answer] ?? 0) + 1;
  }

  private async send(batch: ChaosEvent[]): Promise<void> {
    for (let attempt = 0; Date.now() < this.stopAt; attempt++) {
      if (attempt > 0) this.stats.retries++;
      await this.slot();
      let status: number | undefined;
      let retryAfter: string | null = null;
      let body = '';
      try {
        const collectors = this.options.collectors();
        const url = collectors[this.next++ % collectors.length];
        const response = await fetch(`${url}/v1/batch`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Basic ${Buffer.from(`${this.options.writeKey}:`).toString('base64')}`,
          },
          body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        body = await response.text();
        this.count(status === 503 && body.includes('is full') ? '503 stream full' : String(status));
      } catch (error) {
        this.count((error as Error).name === 'TimeoutError' ? 'timeout' : 'network');
      } finally {
        this.release();
      }
      if (status === 200) {
        const ackedAt = Date.now();
        for (const e of batch) this.events.get(e.messageId)!.ackedAt = ackedAt;
        return;
      }
      if (!isRetryable(status)) {
        for (const e of batch) this.events.get(e.messageId)!.rejected = `${status}: ${body}`;
        return;
      }
      await sleep(Math.min(retryDelayMs(retryAfter, attempt), Math.max(0, this.stopAt - Date.now())));
    }
  }
}
