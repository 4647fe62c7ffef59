/**
 * Where the built-in enrichments find their inputs. Segment merges a batch's `context` under each
 * event's own, and the collector's view (IP, User-Agent) only fills in what the client did not say:
 * the same precedence the transform step applies to the raw `context_*` columns, so an enrichment
 * always describes the value that lands beside it.
 */
import type { Envelope } from '@eventpipe/core';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** `context.<path>` of the event, else of its batch; null and undefined count as absent. */
export function contextValue(envelope: Envelope, path: readonly string[]): unknown {
  const own = valueAt(envelope.event.context, path);
  if (own !== undefined && own !== null) return own;
  const shared = valueAt(envelope.batchContext, path);
  return shared === null ? undefined : shared;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A non-empty string at `context.<path>`, trimmed. */
export function contextString(envelope: Envelope, path: readonly string[]): string | undefined {
  return nonEmptyString(contextValue(envelope, path));
}

/** The client IP the warehouse row will show: `context.ip`, else the one the collector saw. */
export function clientIp(envelope: Envelope): string | undefined {
  return contextString(envelope, ['ip']) ?? nonEmptyString(envelope.ip);
}

/** The User-Agent the warehouse row will show: `context.userAgent`, else the request's header. */
export function clientUserAgent(envelope: Envelope): string | undefined {
  return contextString(envelope, ['userAgent']) ?? nonEmptyString(envelope.userAgent);
}

/**
 * A page field (`url`, `referrer`, `search`): `context.page.<field>`, else, for page calls, the
 * `properties.<field>` that analytics.js sends there too.
 */
export function pageField(envelope: Envelope, field: 'url' | 'referrer' | 'search'): string | undefined {
  const fromContext = contextString(envelope, ['page', field]);
  if (fromContext !== undefined || envelope.type !== 'page') return fromContext;
  return nonEmptyString(valueAt(envelope.event.properties, [field]));
}

/** `new URL` that answers undefined for what is not an absolute URL instead of throwing. */
export function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
