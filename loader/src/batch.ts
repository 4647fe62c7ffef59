/**
 * Groups consumed messages into batches. A batch closes at `batchMaxEvents` messages, before it
 * would pass `batchMaxBytes`, or `batchMaxAgeMs` after its first message arrived, whichever comes
 * first, so at low traffic an event waits at most the max age before it is loaded.
 */
import { createHash } from 'node:crypto';
import type { Delivery } from './consume.js';

export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
  maxAgeMs: number;
}

export interface Batch {
  /** Deterministic from the stream's origin and the sequences it holds; see batchId(). */
  id: string;
  /** The origin of the stream its messages came from (`streamOrigin`). */
  origin: string;
  firstSequence: number;
  lastSequence: number;
  /** Ordered by stream sequence, one per sequence. */
  deliveries: Delivery[];
  bytes: number;
}

const SEQUENCE_DIGITS = 12;

/**
 * `<origin>-s<first>-<last>-<hash>`: the stream's origin (name and creation time) first, because
 * sequences start again at 1 when a stream is re-created and would otherwise repeat ids of batches
 * already loaded, which the warehouse skips as "already loaded" (and whose raw archive objects
 * would be overwritten). Zero-padded sequences so S3 keys sort in stream order, and a hash of the
 * origin and the exact set of sequences, because loaders sharing a consumer can form different
 * batches with the same first and last sequence: two different sets must never share an id. The
 * same set (a redelivered batch) always gets the same id.
 */
export function batchId(origin: string, sequences: readonly number[]): string {
  if (sequences.length === 0) throw new Error('batchId: a batch holds at least one message');
  const first = String(sequences[0]).padStart(SEQUENCE_DIGITS, '0');
  const last = String(sequences[sequences.length - 1]).padStart(SEQUENCE_DIGITS, '0');
  const hash = createHash('sha256')
    .update(`${origin}:${sequences.join(',')}`)
    .digest('hex')
    .slice(0, 16);
  return `${origin}-s${first}-${last}-${hash}`;
}

/** Would adding a message of `size` bytes push the open batch past a limit? (Never for an empty batch.) */
export function wouldOverflow(count: number, bytes: number, size: number, limits: BatchLimits): boolean {
  return count > 0 && (count + 1 > limits.maxEvents || bytes + size > limits.maxBytes);
}

/** Is the batch full enough to close without waiting for more? */
export function isFull(count: number, bytes: number, limits: BatchLimits): boolean {
  return count >= limits.maxEvents || bytes >= limits.maxBytes;
}

/**
 * Builds a batch from deliveries of one stream origin: sorted by stream sequence, a redelivered
 * duplicate kept once.
 */
export function makeBatch(deliveries: readonly Delivery[]): Batch {
  const origin = deliveries[0]?.origin ?? '';
  if (deliveries.some((d) => d.origin !== origin)) {
    throw new Error('makeBatch: a batch holds the messages of one stream origin');
  }
  const bySequence = new Map<number, Delivery>();
  // A later delivery of the same sequence (redelivered while buffered) replaces the earlier one:
  // its ack handle is the current one.
  for (const delivery of deliveries) bySequence.set(delivery.seq, delivery);
  const sorted = [...bySequence.values()].sort((a, b) => a.seq - b.seq);
  const sequences = sorted.map((d) => d.seq);
  return {
    id: batchId(origin, sequences),
    origin,
    firstSequence: sequences[0]!,
    lastSequence: sequences[sequences.length - 1]!,
    deliveries: sorted,
    bytes: sorted.reduce((sum, d) => sum + d.data.byteLength, 0),
  };
}

const TIMEOUT = Symbol('timeout');

/**
 * Pulls deliveries from `source` into batches. One `next()` at a time; the source's pending read
 * survives a batch closing on age, so no message is lost between batches.
 */
export class Batcher {
  private pending?: Promise<IteratorResult<Delivery>>;
  /** A message that did not fit the previous batch: it opens the next one. */
  private carry?: Delivery;
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<Delivery>,
    private readonly limits: BatchLimits,
  ) {}

  /** The next batch, or undefined once the source has ended and everything was handed out. */
  async next(): Promise<Batch | undefined> {
    const deliveries: Delivery[] = [];
    let bytes = 0;
    let deadline = Infinity;
    const add = (delivery: Delivery) => {
      if (deliveries.length === 0) deadline = Date.now() + this.limits.maxAgeMs;
      deliveries.push(delivery);
      bytes += delivery.data.byteLength;
    };
    if (this.carry) add(this.carry);
    this.carry = undefined;

    while (!this.ended && !isFull(deliveries.length, bytes, this.limits)) {
      const result = await this.read(deadline - Date.now());
      if (result === TIMEOUT) break;
      if (result.done) {
        this.ended = true;
        break;
      }
      const size = result.value.data.byteLength;
      // A message of a re-created stream opens a batch of its own: ids are per stream origin.
      const otherOrigin = deliveries.length > 0 && result.value.origin !== deliveries[0]!.origin;
      if (otherOrigin || wouldOverflow(deliveries.length, bytes, size, this.limits)) {
        this.carry = result.value;
        break;
      }
      add(result.value);
    }
    return deliveries.length > 0 ? makeBatch(deliveries) : undefined;
  }

  /** Next source result, or TIMEOUT after `waitMs` (the read stays pending for the next call). */
  private async read(waitMs: number): Promise<IteratorResult<Delivery> | typeof TIMEOUT> {
    this.pending ??= this.source.next();
    if (waitMs === Infinity) return this.take();
    if (waitMs <= 0) return TIMEOUT;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), waitMs);
    });
    try {
      const winner = await Promise.race([this.pending.then(() => 'read' as const), timeout]);
      return winner === TIMEOUT ? TIMEOUT : this.take();
    } finally {
      clearTimeout(timer);
    }
  }

  private async take(): Promise<IteratorResult<Delivery>> {
    const result = await this.pending!;
    this.pending = undefined;
    return result;
  }
}

/**
 * Calls `working()` on every message of a batch every `intervalMs`, so JetStream does not redeliver
 * it to another loader while it is still being loaded or retried. Returns the function that stops.
 */
export function keepWorking(deliveries: readonly Delivery[], intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const delivery of deliveries) delivery.working();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
