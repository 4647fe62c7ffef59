/** Names, labels and owner references shared by every object of one pipeline. */
import { API_GROUP, API_VERSION, KIND } from '@eventpipe/core';
import type { EventPipeline, KubeObject } from '../types.js';

export type Component = 'collector' | 'loader' | 'console';

/** Thrown for a spec the API server accepted but that cannot be turned into objects. */
export class InvalidPipelineError extends Error {
  override name = 'InvalidPipelineError';
}

/**
 * Service names are DNS-1035 labels (a letter first, at most 63 characters) and the longest name
 * derived from a pipeline is `<name>-collector`.
 */
const PIPELINE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_PIPELINE_NAME_LENGTH = 63 - '-collector'.length;

export function assertPipelineName(name: string): void {
  if (!PIPELINE_NAME.test(name) || name.length > MAX_PIPELINE_NAME_LENGTH) {
    throw new InvalidPipelineError(
      `metadata.name "${name}": must start with a letter, hold only lower case letters, digits and '-', ` +
        `and be at most ${MAX_PIPELINE_NAME_LENGTH} characters (it names the pipeline's Services)`,
    );
  }
}

export const names = (pipeline: EventPipeline) => {
  const base = pipeline.metadata.name;
  return {
    serviceAccount: base,
    configMap: `${base}-config`,
    networkPolicy: base,
    /** The headless Service naming every pod of the pipeline, for the console to scrape each one. */
    metrics: `${base}-metrics`,
    workload: (component: Component) => `${base}-${component}`,
  };
};

/** The label every object of the pipeline carries, and that its selectors use. */
export const PIPELINE_LABEL = `${API_GROUP}/pipeline`;
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Selector labels: stable for the life of a Deployment (its selector is immutable). */
export function selectorLabels(pipeline: EventPipeline, component?: Component): Record<string, string> {
  return {
    [PIPELINE_LABEL]: pipeline.metadata.name,
    ...(component ? { [COMPONENT_LABEL]: component } : {}),
  };
}

export function labels(pipeline: EventPipeline, component?: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'eventpipe',
    'app.kubernetes.io/instance': pipeline.metadata.name,
    'app.kubernetes.io/managed-by': 'eventpipe-operator',
    ...selectorLabels(pipeline, component),
  };
}

/** Metadata of an owned object: same namespace, garbage-collected with the pipeline. */
export function ownedMeta(
  pipeline: EventPipeline,
  name: string,
  component?: Component,
  annotations?: Record<string, string>,
): KubeObject['metadata'] {
  return {
    name,
    namespace: pipeline.metadata.namespace,
    labels: labels(pipeline, component),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    ownerReferences: [
      {
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: KIND,
        name: pipeline.metadata.name,
        uid: pipeline.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  };
}
