/**
 * A request the collector refused, as the console shows it: published by the collector on a core NATS
 * subject (fire and forget, not stored in the stream) and kept by each console in a bounded ring per
 * source. It carries the reason and where the request came from, never the body: a refused body may
 * hold a write key, and this record is for people debugging instrumentation, not an archive.
 */
export interface Rejection {
  /** ISO-8601 time the answer was sent. */
  at: string;
  /** The source whose write key the request carried; `UNKNOWN_SOURCE` when no key was accepted. */
  sourceId: string;
  method: string;
  /** The route pattern (`/v1/track`), or the path cut to a bounded length when no route matched. */
  route: string;
  status: number;
  /** The message the client got (`error` of the answer's body). */
  reason: string;
  field?: string;
  index?: number;
  ip?: string;
  userAgent?: string;
}

/** The source of a request whose write key was missing or wrong: never a source id (see SOURCE_ID_PATTERN). */
export const UNKNOWN_SOURCE = '_unknown';

/**
 * `<prefix>-rejected.<sourceId>`: beside the event subjects, never under them, so the stream
 * (`<prefix>.>`) does not store rejections and the loaders never see one.
 */
export function rejectionSubject(prefix: string, sourceId: string): string {
  return `${prefix}-rejected.${sourceId}`;
}

/** The subject a console subscribes to for the rejections of every source. */
export function rejectionWildcard(prefix: string): string {
  return `${prefix}-rejected.*`;
}
