/**
 * The Segment HTTP API, as the real SDKs call it:
 * - one call per request: `/v1/track`, `/v1/identify`, `/v1/page`, `/v1/screen`, `/v1/group`,
 *   `/v1/alias`, and the browser SDK's short forms `/v1/t`, `/v1/i`, `/v1/p`, `/v1/s`, `/v1/g`, `/v1/a`;
 * - many calls per request: `/v1/batch` (server SDKs), `/v1/import` (its historical alias) and `/v1/b`
 *   (the browser SDK's batching mode).
 *
 * Each request: authenticate → read and validate every call → wrap each in its envelope → publish
 * all → `200 {"success": true}` once JetStream has acknowledged every one.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EVENT_TYPES, stringifyJson, type EventType } from '@eventpipe/core';
import type { Authenticate } from '../auth.js';
import { encodeMessages, type RequestFacts } from '../envelope.js';
import { readBatch, readSingle, type CallLimits, type RequestCalls, type Serialise } from '../events.js';
import type { JsonBody } from '../parse.js';
import type { Publish } from '../publish.js';
import { traceparentFor } from '../trace.js';

export interface SegmentRoutesOptions {
  authenticate: Authenticate;
  publish: Publish;
  subjectPrefix: string;
  limits: CallLimits & { maxRequestPublishBytes: number };
}

const SINGLE_PATHS: [string, EventType][] = EVENT_TYPES.flatMap((type): [string, EventType][] => [
  [`/v1/${type}`, type],
  [`/v1/${type[0]}`, type],
]);
const BATCH_PATHS = ['/v1/batch', '/v1/import', '/v1/b'];

/** For the 404 message. */
export const ROUTE_LIST = [...SINGLE_PATHS.map(([path]) => path), ...BATCH_PATHS].join(', ');

const SUCCESS = { success: true } as const;
const NO_BODY: JsonBody = { value: undefined, text: '', lossless: false };

export const segmentRoutes: FastifyPluginAsync<SegmentRoutesOptions> = async (app, options) => {
  const { authenticate, publish, subjectPrefix, limits } = options;

  const accept = async (
    request: FastifyRequest,
    read: (body: unknown, text: string, serialise: Serialise) => RequestCalls,
  ) => {
    const receivedAt = new Date().toISOString();
    // Set by the app's body parser; absent when the request had no body.
    const { value: body, text, lossless } = (request.body as JsonBody | undefined) ?? NO_BODY;
    const bodyWriteKey =
      typeof body === 'object' && body !== null ? (body as { writeKey?: unknown }).writeKey : undefined;
    const sourceId = authenticate(request.headers.authorization, bodyWriteKey);
    const calls = read(body, text, lossless ? stringifyJson : JSON.stringify);
    const facts: RequestFacts = {
      sourceId,
      receivedAt,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      traceparent: traceparentFor(request.headers.traceparent),
    };
    await publish(encodeMessages(calls, facts, subjectPrefix, limits.maxRequestPublishBytes));
    return SUCCESS;
  };

  for (const [path, type] of SINGLE_PATHS) {
    app.post(path, (request) =>
      accept(request, (body, text, serialise) => readSingle(type, body, limits, text, serialise)),
    );
  }
  for (const path of BATCH_PATHS) {
    app.post(path, (request) =>
      accept(request, (body, _text, serialise) => readBatch(body, limits, serialise)),
    );
  }
};
