/**
 * The Segment spec calls as JSON Schema (TypeBox), with the rules the collector enforces.
 * Unknown fields are allowed everywhere: clients send SDK-specific extras (`_metadata`, `channel`, …)
 * and the archive keeps them.
 */
import { Kind, Type, TypeRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { EventType } from './envelope/types.js';
import { isLosslessNumber, type LosslessNumber } from './json.js';

export const MAX_MESSAGE_ID_LENGTH = 100;

/**
 * A number a double cannot hold (a 19-digit numeric user id), as `parseJson` returns it: as much a
 * number as any other.
 */
TypeRegistry.Set('LosslessNumber', (_schema, value) => isLosslessNumber(value));
const ExactNumber = Type.Union([Type.Number(), Type.Unsafe<LosslessNumber>({ [Kind]: 'LosslessNumber' })]);

const Id = Type.Union([Type.String({ minLength: 1 }), ExactNumber]);
const Obj = Type.Object({}, { additionalProperties: true });

const common = {
  type: Type.Optional(Type.String()),
  messageId: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_MESSAGE_ID_LENGTH })),
  userId: Type.Optional(Type.Union([Id, Type.Null()])),
  anonymousId: Type.Optional(Type.Union([Id, Type.Null()])),
  timestamp: Type.Optional(Type.String()),
  sentAt: Type.Optional(Type.String()),
  context: Type.Optional(Obj),
  integrations: Type.Optional(Obj),
};

export const eventSchemas: Record<EventType, TSchema> = {
  track: Type.Object(
    { ...common, event: Type.String({ minLength: 1 }), properties: Type.Optional(Obj) },
    { additionalProperties: true },
  ),
  identify: Type.Object({ ...common, traits: Type.Optional(Obj) }, { additionalProperties: true }),
  page: Type.Object(
    {
      ...common,
      name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      category: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      properties: Type.Optional(Obj),
    },
    { additionalProperties: true },
  ),
  screen: Type.Object(
    {
      ...common,
      name: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      category: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      properties: Type.Optional(Obj),
    },
    { additionalProperties: true },
  ),
  group: Type.Object({ ...common, groupId: Id, traits: Type.Optional(Obj) }, { additionalProperties: true }),
  alias: Type.Object({ ...common, previousId: Id }, { additionalProperties: true }),
};

const checkers = Object.fromEntries(
  Object.entries(eventSchemas).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]),
) as Record<EventType, TypeCheck<TSchema>>;

export interface EventProblem {
  /** JSON pointer of the offending field inside the event, e.g. `/properties`. */
  field: string;
  message: string;
}

function hasIdentity(value: unknown): boolean {
  return (
    (typeof value === 'string' && value.length > 0) || typeof value === 'number' || isLosslessNumber(value)
  );
}

/** Validates one call against the Segment spec; returns the first problem, or undefined when valid. */
export function validateEvent(type: EventType, event: unknown): EventProblem | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { field: '', message: 'event must be a JSON object' };
  }
  const checker = checkers[type];
  if (!checker.Check(event)) {
    const first = checker.Errors(event).First();
    if (first) return { field: first.path || '', message: first.message };
  }
  const e = event as Record<string, unknown>;
  if (!hasIdentity(e.userId) && !hasIdentity(e.anonymousId)) {
    return { field: '/userId', message: 'userId or anonymousId is required' };
  }
  return undefined;
}
