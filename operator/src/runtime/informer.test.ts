import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '@eventpipe/core';
import { KubeClient } from '../kube/client.js';
import { Informer, type ChangeType } from './informer.js';

/** Polls until `check` holds: timings on a shared 2-core machine vary too much for fixed sleeps. */
async function until(check: () => boolean, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(20);
}

const log = createLogger('test', process.env.DEBUG_TEST ? 'debug' : 'silent');

const cm = (name: string, rv: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'n', resourceVersion: rv },
});

/** A loopback server speaking just enough of the list/watch protocol; `onWatch` scripts each watch. */
async function fakeApi(lists: unknown[][], onWatch: (res: ServerResponse, n: number, rv: string) => void) {
  let listCalls = 0;
  let watchCalls = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    res.setHeader('content-type', 'application/json');
    if (url.searchParams.get('watch') === 'true') {
      onWatch(res, watchCalls++, url.searchParams.get('resourceVersion') ?? '');
      return;
    }
    const items = lists[Math.min(listCalls++, lists.length - 1)];
    res.end(JSON.stringify({ metadata: { resourceVersion: String(10 * listCalls) }, items }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return {
    client: new KubeClient(kc),
    calls: () => ({ listCalls, watchCalls }),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('a watch that goes silent past its timeout is cut and restarted from its resourceVersion', async () => {
  const watchVersions: string[] = [];
  const api = await fakeApi([[cm('a', '1')]], (res, n, rv) => {
    watchVersions.push(rv);
    res.writeHead(200);
    // The first watch says nothing and never ends (a half-open connection); the second delivers.
    if (n === 1) res.write(JSON.stringify({ type: 'ADDED', object: cm('b', '11') }) + '\n');
  });
  const changes: [ChangeType, string][] = [];
  const informer = new Informer({
    client: api.client,
    path: '/api/v1/configmaps',
    onChange: (type, object) => changes.push([type, object.metadata!.name!]),
    log,
    watchTimeoutSeconds: 0.2,
  });
  informer.start();
  await until(() => changes.length >= 2);
  await informer.stop();
  api.close();
  assert.ok(informer.restartedSilentWatches >= 1);
  assert.deepEqual(changes.slice(0, 2), [
    ['added', 'a'],
    ['added', 'b'],
  ]);
  assert.deepEqual(watchVersions.slice(0, 2), ['10', '10'], 'the restarted watch resumes, no relist');
  assert.equal(api.calls().listCalls, 1);
});

test('410 Gone relists, and objects deleted meanwhile are reported deleted', async () => {
  const api = await fakeApi([[cm('a', '1'), cm('b', '2')], [cm('b', '2')]], (res, n) => {
    res.writeHead(200);
    if (n === 0)
      res.end(
        JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }) + '\n',
      );
  });
  const changes: [ChangeType, string][] = [];
  const informer = new Informer({
    client: api.client,
    path: '/api/v1/configmaps',
    onChange: (type, object) => changes.push([type, object.metadata!.name!]),
    log,
  });
  informer.start();
  await informer.synced;
  await until(() => changes.length >= 3);
  await informer.stop();
  api.close();
  assert.deepEqual(changes, [
    ['added', 'a'],
    ['added', 'b'],
    ['deleted', 'a'],
  ]);
  assert.equal(api.calls().listCalls, 2);
  assert.deepEqual(
    informer.list().map((o) => o.metadata!.name),
    ['b'],
  );
});
