import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CoreV1Api } from '@kubernetes/client-node';
import { kubeSkip, kubeTools, startKube } from './harness.js';

test(
  'envtest harness: a real API server with RBAC, impersonation, a restart, helm and kubectl',
  { skip: kubeSkip() },
  async () => {
    const kube = await startKube({ controllerManager: false });
    try {
      const admin = kube.kubeConfig().makeApiClient(CoreV1Api);
      await admin.createNamespace({ body: { metadata: { name: 'harness' } } });

      // RBAC is enforced: a ServiceAccount with no bindings may not list Secrets.
      const nobody = kube
        .kubeConfig({ impersonate: 'system:serviceaccount:harness:nobody' })
        .makeApiClient(CoreV1Api);
      await assert.rejects(
        nobody.listNamespacedSecret({ namespace: 'harness' }),
        (error: { code?: number }) => {
          assert.equal(error.code, 403);
          return true;
        },
      );

      await kube.restartApiServer();
      const namespace = await admin.readNamespace({ name: 'harness' });
      assert.equal(namespace.metadata?.name, 'harness', 'etcd keeps the data across an API server restart');

      const { kubectl, helm } = kubeTools();
      const out = execFileSync(kubectl, [
        '--kubeconfig',
        kube.kubeconfigPath,
        'get',
        'namespace',
        'harness',
        '-o',
        'name',
      ]);
      assert.equal(out.toString().trim(), 'namespace/harness');
      assert.match(execFileSync(helm, ['version', '--short']).toString(), /^v3\./);
    } finally {
      await kube.stop();
    }
  },
);
