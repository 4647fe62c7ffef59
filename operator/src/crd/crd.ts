/** The `EventPipeline` CustomResourceDefinition, generated from the TypeBox schemas in core. */
import { Type } from '@sinclair/typebox';
import {
  API_GROUP,
  API_VERSION,
  EventPipelineSpecSchema,
  EventPipelineStatusSchema,
  KIND,
  PLURAL,
  PRINTER_COLUMNS,
  SHORT_NAME,
} from '@eventpipe/core';
import type { KubeObject } from '../types.js';
import { structuralSchema } from './structural.js';

export const CRD_NAME = `${PLURAL}.${API_GROUP}`;

const ResourceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    metadata: Type.Optional(Type.Object({})),
    spec: EventPipelineSpecSchema,
    status: Type.Optional(EventPipelineStatusSchema),
  },
  {
    description:
      'An analytics event pipeline: collectors, a JetStream stream, loaders and a warehouse, run by the eventpipe operator.',
  },
);

export function eventPipelineCrd(annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: CRD_NAME,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: [SHORT_NAME],
        categories: ['eventpipe'],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: { openAPIV3Schema: structuralSchema(ResourceSchema) },
        },
      ],
    },
  };
}
