import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The cluster the standard way: in a pod, its service account; elsewhere KUBECONFIG, else
 * ~/.kube/config (so a platform engineer can run the operator from a laptop).
 */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error(
      'no Kubernetes cluster: not in a pod, and neither KUBECONFIG nor ~/.kube/config names one',
    );
  }
  return kc;
}
