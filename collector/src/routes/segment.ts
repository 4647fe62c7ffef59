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
import type { OutgoingMessage, Publish } from '../publish.js';
import { traceparentFor } from '../trace.js';
import type { CollectorMetrics } from '../metrics.js';
import { endProducerSpans, requestContext, startProducerSpan, type ProducerSpan } from '../tracing.js';

export interface SegmentRoutesOptions {
  authenticate: Authenticate;
  publish: Publish;
  subjectPrefix: string;
  limits: CallLimits & { maxRequestPublishBytes: number };
  metrics?: CollectorMetrics;
  /** Whether the OpenTelemetry SDK runs: each event then gets a producer span. */
  tracing?: boolean;
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

/** The authenticated source of a request, for the rejection metrics of a request refused later. */
export const sourceOfRequest = new WeakMap<FastifyRequest, string>();

export const segmentRoutes: FastifyPluginAsync<SegmentRoutesOptions> = async (app, options) => {
  const { authenticate, publish, subjectPrefix, limits, metrics, tracing } = options;

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
    sourceOfRequest.set(request, sourceId);
    const calls = read(body, text, lossless ? stringifyJson : JSON.stringify);
    const facts: RequestFacts = {
      sourceId,
      receivedAt,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      traceparent: traceparentFor(request.headers.traceparent),
    };
    const parent = tracing ? requestContext(request) : undefined;
    const spans: ProducerSpan[] = [];
    const traceOf =
      parent &&
      ((subject: string, msgID: string) => {
        const producer = startProducerSpan(parent, subject, msgID);
        spans.push(producer);
        return producer.traceparent;
      });
    let messages: OutgoingMessage[];
    try {
      messages = encodeMessages(calls, facts, subjectPrefix, limits.maxRequestPublishBytes, traceOf);
    } catch (error) {
      endProducerSpans(spans, error);
      throw error;
    }
    if (metrics) for (const { bytes } of messages) metrics.eventBytes.observe(bytes);
    const started = performance.now();
    try {
      await publish(messages);
      endProducerSpans(spans);
      metrics?.eventsAccepted.inc({ source: sourceId }, messages.length);
    } catch (error) {
      endProducerSpans(spans, error);
      throw error;
    } finally {
      metrics?.publishSeconds.observe((performance.now() - started) / 1000);
    }
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
