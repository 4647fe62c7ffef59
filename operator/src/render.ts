/**
 * `eventpipe operator render`: the objects the operator would apply for the EventPipelines in a
 * manifest, as YAML, without a cluster (for GitOps review). What the operator would read from the
 * cluster is a placeholder (the uid) or its starting value (loader replicas before any lag).
 */
import { Value } from '@sinclair/typebox/value';
import { parseAllDocuments, stringify } from 'yaml';
import { API_GROUP, API_VERSION, EventPipelineSpecSchema, KIND } from '@eventpipe/core';
import { desiredObjects, withDefaults } from './desired/index.js';
import type { EventPipeline } from './types.js';

export const UID_PLACEHOLDER = '<uid of the EventPipeline, set by the API server>';

export class RenderError extends Error {
  override name = 'RenderError';
}

export interface RenderOptions {
  /** Overrides the manifests' namespaces; without it, theirs, else "default". */
  namespace?: string;
  operatorImage: string;
}

function specErrors(spec: unknown): string[] {
  return [...Value.Errors(EventPipelineSpecSchema, spec)]
    .slice(0, 10)
    .map((e) => `spec${e.path.replaceAll('/', '.')}: ${e.message}`);
}

/** Every EventPipeline document of `text` rendered; other documents (Secrets…) are skipped. */
export function renderPipelines(text: string, options: RenderOptions): string {
  const output: string[] = [];
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new RenderError('the input is empty');
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) {
      throw new RenderError(`document ${index + 1}: ${document.errors[0]!.message}`);
    }
    const manifest = document.toJS() as Partial<EventPipeline> | null;
    if (manifest?.kind !== KIND) continue;
    const where = `${KIND} ${manifest.metadata?.name ?? `(document ${index + 1})`}`;
    if (manifest.apiVersion !== `${API_GROUP}/${API_VERSION}`) {
      throw new RenderError(
        `${where}: apiVersion must be ${API_GROUP}/${API_VERSION}, got ${manifest.apiVersion}`,
      );
    }
    if (!manifest.metadata?.name) throw new RenderError(`${where}: metadata.name is required`);
    const spec = withDefaults(manifest.spec ?? {});
    const errors = specErrors(spec);
    if (errors.length > 0) throw new RenderError(`${where}:\n  ${errors.join('\n  ')}`);
    const pipeline: EventPipeline = {
      apiVersion: manifest.apiVersion,
      kind: KIND,
      metadata: {
        name: manifest.metadata.name,
        namespace: options.namespace ?? manifest.metadata.namespace ?? 'default',
        uid: UID_PLACEHOLDER,
        generation: 1,
      },
      spec,
    };
    const objects = desiredObjects(pipeline, {
      operatorImage: options.operatorImage,
      // Before any lag is measured the loaders run their minimum; the operator scales them later.
      loaderReplicas: spec.loader.replicas,
    });
    output.push(
      ...objects.map(
        (o) =>
          `# ${where}: ${o.kind} ${o.metadata.name}\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`,
      ),
    );
  }
  if (output.length === 0) throw new RenderError(`no ${KIND} (${API_GROUP}/${API_VERSION}) in the input`);
  return output.join('---\n');
}
