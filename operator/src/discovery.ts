/**
 * Which API versions and kinds the cluster serves, from the discovery endpoints, and the resource
 * (plural) name of each kind for building paths. The operator skips an object whose version the
 * cluster does not serve and says so in a condition, rather than failing the whole pipeline on
 * every retry (autoscaling/v2 needs Kubernetes 1.23, policy/v1 1.21).
 */
import { isStatus, type KubeClient } from './kube/client.js';

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/** The Kubernetes release that first serves an API version the operator uses, for the condition. */
const FIRST_SERVED: Record<string, string> = {
  'autoscaling/v2': 'Kubernetes 1.23+',
  'policy/v1': 'Kubernetes 1.21+',
  'networking.k8s.io/v1': 'Kubernetes 1.19+',
  'monitoring.coreos.com/v1': 'the Prometheus operator',
};

export function whatServes(apiVersion: string): string {
  return FIRST_SERVED[apiVersion] ?? `an API server that serves ${apiVersion}`;
}

export class Discovery {
  /** apiVersion → kind → plural; null when the version is not served. */
  private cache = new Map<string, Map<string, string> | null>();

  constructor(private readonly client: KubeClient) {}

  /** Forgets what was discovered, so an upgraded cluster or a newly installed CRD is seen. */
  refresh(): void {
    this.cache.clear();
  }

  /** The plural resource name of a kind, or undefined when the cluster does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<string | undefined> {
    if (!this.cache.has(apiVersion)) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      try {
        const list = await this.client.get<ApiResourceList>(path);
        const kinds = new Map<string, string>();
        for (const r of list.resources) if (!r.name.includes('/')) kinds.set(r.kind, r.name);
        this.cache.set(apiVersion, kinds);
      } catch (error) {
        if (!isStatus(error, 404)) throw error;
        this.cache.set(apiVersion, null);
      }
    }
    return this.cache.get(apiVersion)?.get(kind);
  }

  async objectPath(object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  }) {
    const plural = await this.resource(object.apiVersion, object.kind);
    if (!plural) return undefined;
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const ns = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
    return `${base}${ns}/${plural}/${object.metadata.name}`;
  }
}
