/**
 * TypeBox (JSON Schema) → a Kubernetes structural schema, the dialect CRDs must use: no `const`
 * (string unions become `enum`), maps as `additionalProperties`, int-or-string quantities marked
 * `x-kubernetes-int-or-string`, and free-form objects marked `x-kubernetes-preserve-unknown-fields`
 * so the API server does not prune them.
 */
import type { TSchema } from '@sinclair/typebox';

export type JsonSchema = { [key: string]: unknown };

function isStringUnion(branches: JsonSchema[]): boolean {
  return branches.every((b) => typeof b.const === 'string');
}

function isIntOrString(branches: JsonSchema[]): boolean {
  const types = branches.map((b) => b.type).sort();
  return branches.length === 2 && types[0] === 'integer' && types[1] === 'string';
}

function convert(schema: JsonSchema): JsonSchema {
  const { anyOf, patternProperties, properties, items, ...rest } = schema;
  const out: JsonSchema = { ...rest };
  if (Array.isArray(anyOf)) {
    const branches = anyOf as JsonSchema[];
    if (isStringUnion(branches)) {
      return { type: 'string', enum: branches.map((b) => b.const), ...rest };
    }
    if (isIntOrString(branches)) {
      const pattern = branches.find((b) => b.type === 'string')?.pattern;
      return {
        ...rest,
        anyOf: [{ type: 'integer' }, { type: 'string' }],
        ...(pattern ? { pattern } : {}),
        'x-kubernetes-int-or-string': true,
      };
    }
    throw new Error(`no structural form for anyOf ${JSON.stringify(anyOf)}`);
  }
  if (patternProperties) {
    const value = Object.values(patternProperties as Record<string, JsonSchema>)[0]!;
    if (Object.keys(value).filter((k) => k !== 'description').length === 0) {
      return { ...rest, 'x-kubernetes-preserve-unknown-fields': true };
    }
    out.additionalProperties = convert(value);
  }
  if (properties && Object.keys(properties).length > 0) {
    out.properties = Object.fromEntries(
      Object.entries(properties as Record<string, JsonSchema>).map(([key, child]) => [key, convert(child)]),
    );
  }
  if (items) out.items = convert(items as JsonSchema);
  // A field with a default is never missing once the API server has defaulted it: not `required`
  // for the user writing the manifest (and not in `kubectl explain`).
  if (Array.isArray(out.required) && properties) {
    const props = properties as Record<string, JsonSchema>;
    const required = (out.required as string[]).filter((key) => props[key]?.default === undefined);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/** Symbols (TypeBox's Kind, Optional) dropped, then converted. */
export function structuralSchema(schema: TSchema): JsonSchema {
  return convert(JSON.parse(JSON.stringify(schema)) as JsonSchema);
}
