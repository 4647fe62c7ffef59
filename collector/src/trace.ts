/**
 * W3C trace context (https://www.w3.org/TR/trace-context/): the request's `traceparent` when it sent a
 * valid one, so the event joins the caller's trace; otherwise a new sampled trace rooted here.
 */
import { randomBytes } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

export function isValidTraceparent(value: string): boolean {
  const match = TRACEPARENT.exec(value);
  if (!match) return false;
  const [, version, traceId, spanId] = match;
  return version !== 'ff' && !ALL_ZERO.test(traceId!) && !ALL_ZERO.test(spanId!);
}

const ID_BYTES = 24; // 16 for the trace id, 8 for the span id
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * A fresh sampled traceparent. Random bytes are drawn from a pool refilled every 256 ids: one
 * `randomBytes` call per request showed up in profiles of the single-call path.
 */
export function newTraceparent(): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * POOL_IDS);
    offset = 0;
  }
  const ids = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `00-${ids.slice(0, 32)}-${ids.slice(32)}-01`;
}

export function traceparentFor(header: string | string[] | undefined): string {
  const value = typeof header === 'string' ? header.trim().toLowerCase() : undefined;
  return value !== undefined && isValidTraceparent(value) ? value : newTraceparent();
}
