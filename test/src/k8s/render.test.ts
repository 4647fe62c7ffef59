/**
 * `eventpipe operator render` on the shipped examples: every object valid for a current Kubernetes
 * (HPA autoscaling/v2 and PDB policy/v1 included, which the 1.20 test server cannot serve), and no
 * secret value of the example Secrets anywhere in the output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@eventpipe/core';
import { createEnricher } from '@eventpipe/loader/internal';
import { renderPipelines } from '@eventpipe/operator';
import { validateObject } from './validate.js';
import { testLogger } from '../secrets.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'cli', 'bin', 'eventpipe.js');
const examples = ['postgres.yaml', 'redshift.yaml'].map((f) => join(root, 'examples', 'kubernetes', f));

function render(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, 'operator', 'render', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const documents = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);

for (const example of examples) {
  test(`render ${example.split('/').pop()}: every object is valid for a current Kubernetes`, async () => {
    const { code, stdout, stderr } = render('-f', example);
    assert.equal(code, 0, stderr);
    const objects = documents(stdout);
    assert.equal(objects.length, 9);
    for (const object of objects) assert.deepEqual(await validateObject(object), []);

    // The ConfigMap is a valid loader configuration, down to the enrichments' own options.
    const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
    const config = loadConfig({
      ...(configMap.data as Record<string, string>),
      EVENTPIPE_WAREHOUSE_URL: 'postgres://u:p@h/db',
    });
    await createEnricher(config.loader.enrichments, testLogger('test'));

    const secretValues = documents(readFileSync(example, 'utf8'))
      .filter((d) => d.kind === 'Secret')
      .flatMap((d) => Object.values(d.stringData as Record<string, string>));
    assert.ok(secretValues.length >= 2);
    for (const value of secretValues) assert.ok(!stdout.includes(value), `a Secret value leaked: ${value}`);
  });
}

test('the validator catches what kubernetes-models lets through', async () => {
  const [deployment] = documents(render('-f', examples[0]!).stdout).filter((o) => o.kind === 'Deployment');
  const spec = deployment!.spec as { template: { spec: { containers: Record<string, unknown>[] } } };
  spec.template.spec.containers[0]!.bogusField = true;
  spec.template.spec.containers[0]!.name = 'Collector_1';
  (deployment!.metadata as Record<string, unknown>).name = 'Shop';
  const problems = await validateObject(deployment!);
  assert.ok(
    problems.some((p) => p.includes('containers[0].bogusField: unknown field')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.includes('"Collector_1" is not a DNS-1123 label')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.includes('metadata.name is not a valid')),
    problems.join('\n'),
  );
});

test('render --namespace moves every object; a bad manifest fails naming the field', () => {
  const { stdout } = render('-f', examples[0]!, '--namespace', 'staging');
  const namespaces = documents(stdout).map((o) => (o.metadata as { namespace: string }).namespace);
  assert.deepEqual(new Set(namespaces), new Set(['staging']));

  const dir = mkdtempSync(join(tmpdir(), 'eventpipe-render-'));
  const bad = join(dir, 'bad.yaml');
  const text = readFileSync(examples[0]!, 'utf8')
    .replace('maxAge: 168h', 'maxAge: 7 days')
    .replace('type: postgres', 'type: mysql');
  writeFileSync(bad, text);
  const failed = render('-f', bad);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /spec\.nats\.stream\.maxAge/);
  assert.match(failed.stderr, /spec\.warehouse\.type/);
  assert.equal(failed.stdout, '');
});

test('render refuses input that holds no valid EventPipeline, saying why', () => {
  const options = { operatorImage: 'eventpipe/eventpipe:test' };
  const pipeline = readFileSync(examples[0]!, 'utf8');
  const cases: [string, RegExp][] = [
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n', /no EventPipeline/],
    ['', /no EventPipeline/],
    ['kind: [unclosed', /document 1/],
    [
      pipeline.replace('eventpipe.io/v1alpha1', 'eventpipe.io/v2'),
      /apiVersion must be eventpipe.io\/v1alpha1/,
    ],
    [pipeline.replace('name: product', 'name: Product'), /metadata.name "Product"/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => renderPipelines(input, options), message);
  }
});
