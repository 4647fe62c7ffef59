/**
 * The Secrets a pipeline references and which of them are missing. Pods that read a missing Secret
 * key sit in CreateContainerConfigError, which the EventPipeline would never show; the operator
 * reads each referenced Secret by name (RBAC `get` only, never list or watch) on every reconcile,
 * so the condition clears on the next poll after the Secret appears. Only names and keys are
 * reported, never a value.
 */
import type { EventPipelineSpec } from '@eventpipe/core';
import { isStatus, type KubeClient } from './kube/client.js';

export interface SecretReference {
  secret: string;
  /** The key that must be present; none when every key of the Secret is optional. */
  key?: string;
  /** The spec field that refers to it, so the message says what to fix. */
  field: string;
}

export interface MissingSecret extends SecretReference {
  /** The Secret is there but lacks `key`. */
  secretExists: boolean;
}

/** Every Secret reference in the spec; the keys are those the pods' `secretKeyRef`s require. */
export function secretReferences(spec: EventPipelineSpec): SecretReference[] {
  const refs: SecretReference[] = spec.sources.map((s) => ({
    secret: s.writeKeySecretRef.name,
    key: s.writeKeySecretRef.key,
    field: `spec.sources[${s.name}].writeKeySecretRef`,
  }));
  refs.push({
    secret: spec.warehouse.connectionSecretRef.name,
    key: spec.warehouse.connectionSecretRef.key,
    field: 'spec.warehouse.connectionSecretRef',
  });
  const s3 = spec.staging.s3.credentialsSecretRef;
  if (s3) {
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      refs.push({ secret: s3.name, key, field: 'spec.staging.s3.credentialsSecretRef' });
    }
  }
  const token = spec.console.enabled ? spec.console.adminTokenSecretRef : undefined;
  if (token) refs.push({ secret: token.name, key: token.key, field: 'spec.console.adminTokenSecretRef' });
  // Its keys (user, password, token) are each optional, but the operator reads the Secret itself.
  const nats = spec.nats.credentialsSecretRef;
  if (nats) refs.push({ secret: nats.name, field: 'spec.nats.credentialsSecretRef' });
  return refs;
}

/**
 * The references not satisfied by `secrets` (each Secret's key names, or undefined when it does
 * not exist).
 */
export function missingSecrets(
  refs: readonly SecretReference[],
  secrets: ReadonlyMap<string, readonly string[] | undefined>,
): MissingSecret[] {
  return refs.flatMap((ref): MissingSecret[] => {
    const keys = secrets.get(ref.secret);
    if (keys === undefined) return [{ ...ref, secretExists: false }];
    if (ref.key !== undefined && !keys.includes(ref.key)) return [{ ...ref, secretExists: true }];
    return [];
  });
}

/** One line per problem, e.g. `Secret "warehouse" has no key "url" (spec.warehouse.connectionSecretRef)`. */
export function describeMissingSecret(m: MissingSecret): string {
  return m.secretExists
    ? `Secret "${m.secret}" has no key "${m.key}" (${m.field})`
    : `Secret "${m.secret}" not found (${m.field})`;
}

/** Reads each referenced Secret once, by name: its key names, or undefined when it does not exist. */
export async function secretKeys(
  client: KubeClient,
  namespace: string,
  refs: readonly SecretReference[],
): Promise<Map<string, string[] | undefined>> {
  const found = new Map<string, string[] | undefined>();
  for (const name of new Set(refs.map((r) => r.secret))) {
    try {
      const secret = await client.get<{ data?: Record<string, string> }>(
        `/api/v1/namespaces/${namespace}/secrets/${name}`,
      );
      found.set(name, Object.keys(secret.data ?? {}));
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      found.set(name, undefined);
    }
  }
  return found;
}

/** What of the spec's Secret references is missing in `namespace`, read from the API server. */
export async function checkSecrets(
  client: KubeClient,
  namespace: string,
  spec: EventPipelineSpec,
): Promise<MissingSecret[]> {
  const refs = secretReferences(spec);
  return missingSecrets(refs, await secretKeys(client, namespace, refs));
}
