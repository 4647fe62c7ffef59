/**
 * Redaction of secret settings (marked `secret: true` in the schema) for config error messages. The
 * rule follows the schema, so a setting marked secret there is hidden everywhere without a list here.
 */
import { Kind, type TSchema } from '@sinclair/typebox';

export const REDACTED = '[redacted]';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The sub-schemas a schema is made of (object properties, array items, union members). */
function children(schema: TSchema): TSchema[] {
  return [
    ...Object.values((schema.properties ?? {}) as Record<string, TSchema>),
    ...(schema.items ? [schema.items as TSchema] : []),
    ...((schema.anyOf ?? []) as TSchema[]),
  ];
}

/** True when the schema is secret or has a secret part (`sources` holds write keys). */
export function holdsSecret(schema: TSchema): boolean {
  return schema.secret === true || children(schema).some(holdsSecret);
}

/**
 * The value with every secret part replaced by `[redacted]`. Where the value does not have the shape
 * the schema expects (a string where write keys should be, an unknown property), nothing of it can be
 * told apart from a secret, so all of it is redacted.
 */
export function redact(schema: TSchema, value: unknown): unknown {
  if (value === undefined || !holdsSecret(schema)) return value;
  if (schema.secret === true) return REDACTED;
  if (schema[Kind] === 'Object' && isRecord(value)) {
    const properties = schema.properties as Record<string, TSchema>;
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        properties[key] ? redact(properties[key], child) : REDACTED,
      ]),
    );
  }
  if (schema[Kind] === 'Array' && Array.isArray(value)) {
    return value.map((item) => redact(schema.items as TSchema, item));
  }
  return REDACTED;
}

/**
 * The value at `path` (a list of property names and array indexes) redacted by the schema found
 * there; all of it when the path passes through a secret or leaves the schema.
 */
export function redactAt(root: TSchema, path: readonly string[], value: unknown): unknown {
  let schema: TSchema | undefined = root;
  for (const key of path) {
    if (schema === undefined || schema.secret === true) return REDACTED;
    schema =
      schema[Kind] === 'Array'
        ? (schema.items as TSchema)
        : (schema.properties as Record<string, TSchema> | undefined)?.[key];
  }
  return schema === undefined ? REDACTED : redact(schema, value);
}
