import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { eventPipelineCrd } from './crd.js';
import { structuralSchema, type JsonSchema } from './structural.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every schema node, with its path. */
function* nodes(schema: JsonSchema, path = ''): Generator<[string, JsonSchema]> {
  yield [path, schema];
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
    yield* nodes(child, `${path}.${key}`);
  }
  if (schema.items) yield* nodes(schema.items as JsonSchema, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') {
    yield* nodes(schema.additionalProperties as JsonSchema, `${path}{}`);
  }
}

test('the CRD: namespaced eventpipe.io/v1alpha1, short name, status subresource, printer columns', () => {
  const crd = eventPipelineCrd() as Json;
  assert.equal(crd.metadata.name, 'eventpipelines.eventpipe.io');
  assert.equal(crd.spec.scope, 'Namespaced');
  assert.deepEqual(crd.spec.names.shortNames, ['epl']);
  const [version] = crd.spec.versions;
  assert.equal(version.name, 'v1alpha1');
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(
    version.additionalPrinterColumns.map((c: Json) => c.name),
    ['Ready', 'Collectors', 'Loaders', 'Lag', 'Reason', 'Age'],
  );
});

test('the CRD schema is structural: every node typed, no const or patternProperties, defaults not required', () => {
  const schema = (eventPipelineCrd() as Json).spec.versions[0].schema.openAPIV3Schema as JsonSchema;
  let count = 0;
  for (const [path, node] of nodes(schema)) {
    count++;
    const special = node['x-kubernetes-int-or-string'] === true;
    assert.ok(typeof node.type === 'string' || special, `${path} has a type`);
    assert.equal(node.const, undefined, path);
    assert.equal(node.patternProperties, undefined, path);
    if (node.anyOf) assert.ok(special, `${path}: anyOf only for int-or-string`);
    for (const key of (node.required ?? []) as string[]) {
      const child = (node.properties as Record<string, JsonSchema>)[key]!;
      assert.equal(child.default, undefined, `${path}.${key} is required but has a default`);
    }
  }
  assert.ok(count > 100, 'the whole spec and status are described');
  const spec = (schema.properties as Json).spec;
  assert.deepEqual(spec.properties.warehouse.properties.type.enum, ['postgres', 'redshift']);
  assert.equal(spec.properties.deletionPolicy.default, 'Retain');
  assert.equal(
    spec.properties.enrichments.items.properties.options['x-kubernetes-preserve-unknown-fields'],
    true,
  );
  assert.equal(spec.properties.sources['x-kubernetes-list-type'], 'map');
});

test('structuralSchema refuses unions it cannot express rather than emitting an invalid CRD', () => {
  assert.throws(() => structuralSchema(Type.Union([Type.String(), Type.Boolean()])), /no structural form/);
});
