/**
 * The loader's spans: one CONSUMER span per batch (`process <stream>`), linked to the producer span
 * of each event it carries (the collector put that context in the envelope's `traceparent`), with
 * one child span per step. So an event's trace leads to the batch that loaded it, and the batch
 * shows which step took the time. Retries and dead letters are events on the batch span.
 *
 * The pipeline calls these helpers around its steps; with tracing off (`tracingStarted()` false)
 * each is a plain call of the step.
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { spanContextOf, tracingStarted } from '@eventpipe/core';

const tracer = trace.getTracer('eventpipe-loader');

export interface BatchTraceSettings {
  stream: string;
  consumer: string;
  /** At most this many links per batch span (`loader.traceLinksMax`). */
  maxLinks: number;
}

/**
 * At most `max` of `items`, evenly spread over the batch (first and last included), in order: a
 * sample that shows the batch's whole span of time rather than its first events only.
 */
export function evenSample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 0) return [];
  if (max === 1) return [items[0]!];
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)]!);
}

/** Span links to the events' contexts (those that name one), capped and sampled. */
export function eventLinks(traceparents: readonly (string | undefined)[], maxLinks: number): Link[] {
  const links: Link[] = [];
  for (const traceparent of traceparents) {
    const linked = spanContextOf(traceparent);
    if (linked) links.push({ context: linked });
  }
  return evenSample(links, maxLinks);
}

/** Runs one batch, start to ack, inside its CONSUMER span (ended with it). */
export async function inBatchSpan<T>(
  settings: BatchTraceSettings | undefined,
  batch: { id: string; events: number },
  run: () => Promise<T>,
): Promise<T> {
  if (!settings || !tracingStarted()) return run();
  const span = tracer.startSpan(`process ${settings.stream}`, {
    kind: SpanKind.CONSUMER,
    attributes: {
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': settings.stream,
      'messaging.consumer.group.name': settings.consumer,
      'messaging.batch.message_count': batch.events,
      'eventpipe.batch.id': batch.id,
    },
  });
  linkedSpans.set(span, settings.maxLinks);
  try {
    return await context.with(trace.setSpan(context.active(), span), run);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** Batch spans that still await their links → the cap. Links are added once, at the first decode. */
const linkedSpans = new WeakMap<Span, number>();

/** Links the active batch span to its events (on the first attempt only: retries decode again). */
export function linkEvents(traceparents: () => readonly (string | undefined)[]): void {
  const span = trace.getActiveSpan();
  const maxLinks = span && linkedSpans.get(span);
  if (span === undefined || maxLinks === undefined) return;
  linkedSpans.delete(span);
  const all = traceparents();
  const links = eventLinks(all, maxLinks);
  span.addLinks(links);
  span.setAttribute('eventpipe.trace.links_dropped', all.length - links.length);
}

/** Runs a step of the batch inside a child span named after it. */
export async function inStepSpan<T>(step: string, run: () => T | Promise<T>): Promise<T> {
  if (!tracingStarted()) return run();
  return tracer.startActiveSpan(step, async (span) => {
    try {
      return await run();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A retry, a split or a dead letter, recorded on the active batch span with its reason. */
export function batchEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}
