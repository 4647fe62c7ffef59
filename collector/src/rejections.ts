/**
 * Refused requests, told to the console: each becomes a `Rejection` published on a core NATS subject
 * per source. At most `maxPerSecond` are published each second, so a flood of bad requests costs
 * the collector a bounded amount of NATS traffic; the rest are still counted in the metrics.
 */
import type { FastifyRequest } from 'fastify';
import { rejectionSubject, UNKNOWN_SOURCE, type Rejection } from '@eventpipe/core';
import type { ErrorBody } from './errors.js';

export type RecordRejection = (rejection: Rejection) => void;

/** Unmatched paths are the client's text: kept short in the record. */
const MAX_PATH_CHARS = 200;

export function rejectionOf(
  request: FastifyRequest,
  status: number,
  body: ErrorBody | undefined,
  sourceId: string | undefined,
  now: Date,
): Rejection {
  const userAgent = request.headers['user-agent'];
  return {
    at: now.toISOString(),
    sourceId: sourceId ?? UNKNOWN_SOURCE,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0]!.slice(0, MAX_PATH_CHARS),
    status,
    // fastify answers 503 on its own while closing, without passing through the error handler.
    reason: body?.error ?? (status === 503 ? 'the collector is shutting down' : `status ${status}`),
    ...(body?.field !== undefined && { field: body.field }),
    ...(body?.index !== undefined && { index: body.index }),
    ip: request.ip,
    ...(typeof userAgent === 'string' && { userAgent: userAgent.slice(0, MAX_PATH_CHARS) }),
  };
}

export function rejectionPublisher(
  publish: (subject: string, data: string) => void,
  subjectPrefix: string,
  maxPerSecond: number,
  clock: () => number = Date.now,
): RecordRejection {
  let second = 0;
  let sent = 0;
  return (rejection) => {
    const now = Math.floor(clock() / 1000);
    if (now !== second) {
      second = now;
      sent = 0;
    }
    if (sent >= maxPerSecond) return;
    sent++;
    publish(rejectionSubject(subjectPrefix, rejection.sourceId), JSON.stringify(rejection));
  };
}
