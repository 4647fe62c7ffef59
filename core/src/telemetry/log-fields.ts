/**
 * pino `mixin`: every log line written while a span is active carries its `trace_id` and `span_id`,
 * so a log search and a trace view lead to each other. Without tracing no span is ever active and
 * the mixin adds nothing.
 */
import { trace, context } from '@opentelemetry/api';

const NONE = {};

export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return NONE;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
