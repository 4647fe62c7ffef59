/** What the operator suites share: the CRD installed into a test cluster, fixtures and polling. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { isStatus, type KubeClient } from '@eventpipe/operator';
import { createLogger } from '@eventpipe/core';
import { testLogger } from '../secrets.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const testLog = process.env.DEBUG_OPERATOR
  ? createLogger('operator', 'debug')
  : testLogger('operator');

/** Retries `check` until it stops throwing: the operator converges asynchronously. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(150);
    }
  }
}

export async function installCrd(client: KubeClient): Promise<void> {
  const crd = parse(readFileSync(join(root, 'crds', 'eventpipe.io_eventpipelines.yaml'), 'utf8')) as {
    metadata: { name: string };
  };
  await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: crd });
  await eventually(async () => {
    const got = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
    );
    if (!got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) {
      throw new Error('CRD not established');
    }
    await client.get('/apis/eventpipe.io/v1alpha1/eventpipelines');
  });
}

export async function createNamespaceWithSecrets(client: KubeClient, namespace: string): Promise<void> {
  await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: namespace } } });
  for (const [name, data] of [
    ['write-keys', { web: 'wk-web-secret-value' }],
    ['warehouse', { url: 'postgres://u:warehouse-secret-value@db:5432/a' }],
  ] as const) {
    await client.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
      body: { metadata: { name }, stringData: data },
    });
  }
}

export function pipelineManifest(
  namespace: string,
  name: string,
  natsUrl: string,
  spec: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'eventpipe.io/v1alpha1',
    kind: 'EventPipeline',
    metadata: { name, namespace },
    spec: {
      // One subject prefix per pipeline: streams on one NATS server may not share subjects.
      nats: {
        url: natsUrl,
        stream: { name: `EV_${name.replace(/-/g, '_')}`, subjectPrefix: name, storage: 'memory' },
      },
      sources: [{ name: 'web', writeKeySecretRef: { name: 'write-keys', key: 'web' } }],
      staging: { s3: { bucket: 'events' } },
      warehouse: { type: 'postgres', connectionSecretRef: { name: 'warehouse', key: 'url' } },
      ...spec,
    },
  };
}

export const pipelinePath = (namespace: string, name = '') =>
  `/apis/eventpipe.io/v1alpha1/namespaces/${namespace}/eventpipelines${name ? `/${name}` : ''}`;

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface PipelineObject {
  metadata: { generation: number; finalizers?: string[]; resourceVersion: string };
  spec: Record<string, unknown>;
  status?: {
    observedGeneration?: number;
    conditions?: Condition[];
    lag?: number;
    collectors?: { ready?: number; desired?: number };
    loaders?: { ready?: number; desired?: number };
    stream?: { name?: string; consumer?: string; messages?: number };
  };
}

export function condition(pipeline: PipelineObject, type: string): Condition {
  const found = pipeline.status?.conditions?.find((c) => c.type === type);
  if (!found) throw new Error(`no ${type} condition yet`);
  return found;
}

export async function gone(client: KubeClient, path: string): Promise<void> {
  try {
    await client.get(path);
  } catch (error) {
    if (isStatus(error, 404)) return;
    throw error;
  }
  throw new Error(`${path} still exists`);
}

/** Sets a Deployment's status as a kubelet-less cluster never would: pods ready and available. */
export async function markDeploymentAvailable(
  client: KubeClient,
  namespace: string,
  name: string,
  ready: number,
) {
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}/status`;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.request('PATCH', path, {
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        replicas: ready,
        readyReplicas: ready,
        availableReplicas: ready,
        updatedReplicas: ready,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'test',
            lastUpdateTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
  });
}
