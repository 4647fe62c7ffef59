/**
 * From a parsed request body to the validated calls it carries. A request is accepted or refused
 * whole: one invalid call in a batch refuses the batch, with the index and field of the problem, and
 * nothing of it is published (SDKs do not retry a 4xx, so a partial accept would lose events silently).
 */
import { EVENT_TYPES, isEventType, validateEvent, type EventType, type SegmentEvent } from '@eventpipe/core';
import { HttpError } from './errors.js';

/**
 * Serialises a parsed call or context: `JSON.stringify`, or core's `stringifyJson` when the body held
 * numbers a double cannot (see `JsonBody.lossless`).
 */
export type Serialise = (value: unknown) => string;

export interface CallLimits {
  maxEventBytes: number;
  maxBatchEvents: number;
}

/** One call, ready for its envelope: `event` is as sent minus `writeKey`, `eventJson` its serialisation. */
export interface Call {
  type: EventType;
  event: SegmentEvent;
  eventJson: string;
  /** Position in a batch request; absent for single-call requests. */
  index?: number;
}

export interface RequestCalls {
  calls: Call[];
  /** The batch's `sentAt`, for calls that carry none of their own. */
  sentAt?: string;
  /** The batch's `context`, which Segment merges under each call's own context. */
  context?: Record<string, unknown>;
  /** `context` serialised once, since it is stored with every call of the batch. */
  contextJson?: string;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request body as an object, or a 400 saying what it should have been. */
function requireObject(body: unknown, expected: string): JsonObject {
  if (body === undefined) throw new HttpError(400, `request body is empty: send ${expected}`);
  if (!isObject(body)) throw new HttpError(400, `request body must be ${expected}`);
  return body;
}

/** The write key is a credential: it must not reach the stream, the archive or the warehouse. */
function withoutWriteKey(event: JsonObject): SegmentEvent {
  if (!('writeKey' in event)) return event;
  const { writeKey: _writeKey, ...rest } = event;
  return rest;
}

/**
 * `json`: the call's text as received, when the request body is the call itself. `contextBytes`: the
 * size of the batch's context, which is stored with the call and so counts against its limit.
 */
function readCall(
  type: EventType,
  value: JsonObject,
  limits: CallLimits,
  serialise: Serialise,
  index?: number,
  json?: string,
  contextBytes = 0,
): Call {
  const where = index === undefined ? `${type} call` : `batch[${index}] (${type})`;
  const problem = validateEvent(type, value);
  if (problem) {
    const at = problem.field ? ` at ${problem.field}` : '';
    throw new HttpError(400, `invalid ${where}${at}: ${problem.message}`, { field: problem.field, index });
  }
  const event = withoutWriteKey(value);
  // The received text is the call's JSON already, unless a writeKey had to be cut out of it.
  const eventJson = json !== undefined && event === value ? json : serialise(event);
  const bytes = Buffer.byteLength(eventJson) + contextBytes;
  if (bytes > limits.maxEventBytes) {
    const withContext = contextBytes > 0 ? ` with the batch's context (${contextBytes} bytes of it)` : '';
    throw new HttpError(
      413,
      `${where} is ${bytes} bytes${withContext}, larger than the limit of ${limits.maxEventBytes}`,
      { field: '', index },
    );
  }
  return { type, event, eventJson, ...(index !== undefined && { index }) };
}

/**
 * `/v1/track`, `/v1/t`, …: the body is the call itself and the route says its type. `text`, the body
 * as received, is kept as the call's serialisation when it can be.
 */
export function readSingle(
  type: EventType,
  body: unknown,
  limits: CallLimits,
  text?: string,
  serialise: Serialise = JSON.stringify,
): RequestCalls {
  const call = requireObject(body, `the ${type} call as a JSON object`);
  return { calls: [readCall(type, call, limits, serialise, undefined, text)] };
}

/** `/v1/batch`, `/v1/import`, `/v1/b`: `{ batch: [...], sentAt?, context? }`, each call naming its type. */
export function readBatch(
  body: unknown,
  limits: CallLimits,
  serialise: Serialise = JSON.stringify,
): RequestCalls {
  const { batch, sentAt, context } = requireObject(body, 'a JSON object with a "batch" array');
  if (!Array.isArray(batch))
    throw new HttpError(400, '"batch" must be an array of calls', { field: '/batch' });
  if (batch.length === 0) throw new HttpError(400, '"batch" is empty', { field: '/batch' });
  if (batch.length > limits.maxBatchEvents) {
    throw new HttpError(
      413,
      `batch has ${batch.length} calls, more than the limit of ${limits.maxBatchEvents}`,
      {
        field: '/batch',
      },
    );
  }
  if (sentAt !== undefined && typeof sentAt !== 'string') {
    throw new HttpError(400, '"sentAt" must be an ISO-8601 string', { field: '/sentAt' });
  }
  if (context !== undefined && !isObject(context)) {
    throw new HttpError(400, '"context" must be an object', { field: '/context' });
  }
  const contextJson = context === undefined ? undefined : serialise(context);
  const contextBytes = contextJson === undefined ? 0 : Buffer.byteLength(contextJson);
  if (contextBytes > limits.maxEventBytes) {
    throw new HttpError(
      413,
      `"context" is ${contextBytes} bytes; it is stored with every call, so it must fit the limit of ${limits.maxEventBytes} bytes per call`,
      { field: '/context' },
    );
  }
  const calls = batch.map((item: unknown, index) => {
    if (!isObject(item))
      throw new HttpError(400, `batch[${index}] must be a JSON object`, { field: '', index });
    if (!isEventType(item.type)) {
      const got = item.type === undefined ? 'no "type"' : `type ${JSON.stringify(item.type).slice(0, 60)}`;
      throw new HttpError(400, `batch[${index}] has ${got}; expected one of ${EVENT_TYPES.join(', ')}`, {
        field: '/type',
        index,
      });
    }
    return readCall(item.type, item, limits, serialise, index, undefined, contextBytes);
  });
  return {
    calls,
    ...(sentAt !== undefined && { sentAt }),
    ...(context !== undefined && { context, contextJson }),
  };
}
