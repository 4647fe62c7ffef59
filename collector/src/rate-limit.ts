/**
 * Per-IP and per-source rate limits: token buckets, one per key, `perSecond` tokens refilled
 * continuously up to `burst`. Refused requests get 429 with `Retry-After` and `x-ratelimit-reset`
 * (seconds until a token is back; analytics-next waits that long before retrying).
 *
 * Memory is bounded: at most `maxKeys` buckets, least recently used evicted first (a Map keeps
 * insertion order, and a key is re-inserted on every use). An evicted key starts again with a full
 * bucket, so the bound should exceed the clients active within `burst / perSecond` seconds.
 */
import type { Config } from '@eventpipe/core';
import type { Authenticate } from './auth.js';
import { HttpError } from './errors.js';

export interface RateLimitOptions {
  /** Tokens (requests) added per second; 0 switches the limit off. */
  perSecond: number;
  /** Most tokens a bucket holds: the burst a key may send at once. */
  burst: number;
  maxKeys: number;
}

export interface RateLimiter {
  /** Takes a token for `key`, or throws the 429 naming `what` ("source web", "IP 192.0.2.1"). */
  take(key: string, what: string): void;
  /** Buckets held now (at most `maxKeys`). */
  size(): number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: RateLimitOptions, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const size = () => buckets.size;
  if (options.perSecond <= 0) return { take: () => {}, size };
  const burst = Math.max(1, options.burst);
  const take = (key: string, what: string) => {
    const t = now();
    const bucket = buckets.get(key);
    let tokens = burst;
    if (bucket) {
      tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * options.perSecond);
      buckets.delete(key);
    } else if (buckets.size >= options.maxKeys) {
      buckets.delete(buckets.keys().next().value!);
    }
    const allowed = tokens >= 1;
    buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: t });
    if (allowed) return;
    const seconds = String(Math.max(1, Math.ceil((1 - tokens) / options.perSecond)));
    throw new HttpError(
      429,
      `rate limit of ${options.perSecond} requests per second (burst ${burst}) for ${what} exceeded; retry in ${seconds} s`,
      { headers: { 'retry-after': seconds, 'x-ratelimit-reset': seconds } },
    );
  };
  return { take, size };
}

/** The per-IP limiter from the collector's settings. */
export function ipRateLimiter(collector: Config['collector']): RateLimiter {
  return createRateLimiter({
    perSecond: collector.rateLimitPerIp,
    burst: collector.rateLimitPerIpBurst,
    maxKeys: collector.rateLimitMaxIps,
  });
}

/** `authenticate`, then a token from the source's bucket: refused keys never cost a source anything. */
export function limitSources(
  authenticate: Authenticate,
  collector: Config['collector'],
  sourceCount: number,
): Authenticate {
  if (collector.rateLimitPerSource <= 0) return authenticate;
  const limiter = createRateLimiter({
    perSecond: collector.rateLimitPerSource,
    burst: collector.rateLimitPerSourceBurst,
    maxKeys: Math.max(1, sourceCount),
  });
  return (authorization, bodyWriteKey) => {
    const sourceId = authenticate(authorization, bodyWriteKey);
    limiter.take(sourceId, `source ${sourceId}`);
    return sourceId;
  };
}
