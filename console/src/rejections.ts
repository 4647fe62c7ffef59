/**
 * The last rejected requests of each source, as the collectors publish them (see core's
 * rejection.ts), kept in memory: at most `perSource` per source, and at most `maxSources` sources,
 * since the source id of a record is only as trustworthy as the NATS subject it came on.
 */
import type { Rejection } from '@eventpipe/core';

export class RejectionRing {
  private readonly bySource = new Map<string, Rejection[]>();

  constructor(
    private readonly perSource: number,
    private readonly maxSources = 1000,
  ) {}

  add(rejection: Rejection): void {
    let list = this.bySource.get(rejection.sourceId);
    if (!list) {
      if (this.bySource.size >= this.maxSources) return;
      list = [];
      this.bySource.set(rejection.sourceId, list);
    }
    list.push(rejection);
    if (list.length > this.perSource) list.splice(0, list.length - this.perSource);
  }

  /** Newest first. */
  of(sourceId: string): Rejection[] {
    return [...(this.bySource.get(sourceId) ?? [])].reverse();
  }
}

/** A record from the wire, or undefined when it is not one (a stray publish on the subject). */
export function parseRejection(text: string, subjectSource: string): Rejection | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const r = value as Partial<Rejection> | null;
  if (typeof r !== 'object' || r === null) return undefined;
  if (typeof r.at !== 'string' || typeof r.status !== 'number' || typeof r.reason !== 'string')
    return undefined;
  // The subject names the source; a body claiming another one is not believed.
  return { ...(r as Rejection), sourceId: subjectSource };
}
