/**
 * The collector's spans. The HTTP server span comes from `@fastify/otel`; each event then gets a
 * PRODUCER span `send <subject>` (OpenTelemetry messaging conventions), whose context travels in the
 * NATS message's `traceparent` header and in the envelope, so the loader can link its batch to it.
 * There is no OpenTelemetry instrumentation for the `@nats-io/*` v3 client: this is that, by hand.
 *
 * With tracing off nothing here runs: the envelope keeps the request's own `traceparent` (or a new one).
 */
import { SpanKind, SpanStatusCode, context, trace, type Context, type Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { traceparentOf } from '@eventpipe/core';

const tracer = trace.getTracer('eventpipe-collector');

/** The context of the request's server span (set by `@fastify/otel`), else the active one. */
export function requestContext(request: FastifyRequest): Context {
  const traced = request as FastifyRequest & { opentelemetry?: () => { context: Context | null } };
  return (traced.opentelemetry ? traced.opentelemetry().context : undefined) ?? context.active();
}

export interface ProducerSpan {
  span: Span;
  /** The span's W3C context, for the NATS header and the envelope. */
  traceparent: string;
}

export function startProducerSpan(parent: Context, subject: string, messageId: string): ProducerSpan {
  const span = tracer.startSpan(
    `send ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': subject,
        'messaging.message.id': messageId,
      },
    },
    parent,
  );
  return { span, traceparent: traceparentOf(span.spanContext()) };
}

/** Ends the producer spans of a request once JetStream acknowledged all its events, or failed. */
export function endProducerSpans(spans: readonly ProducerSpan[], error?: unknown): void {
  for (const { span } of spans) {
    if (error !== undefined) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    }
    span.end();
  }
}
