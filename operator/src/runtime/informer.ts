/**
 * An informer: a cache of one kind of object kept current by list + watch, calling back on every
 * change. The watch resumes from the last resourceVersion it saw; 410 Gone (the version was
 * compacted away) relists, and the relist reports objects deleted meanwhile. Every watch asks the
 * server to end it after `watchTimeoutSeconds`; one that neither ends nor delivers anything well past
 * that is presumed silently dead (a half-open connection, the failure @kubernetes/client-node's
 * informers are known for) and is cut and restarted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@eventpipe/core';
import {
  isStatus,
  type KubeClient,
  type KubeList,
  type KubeResource,
  type WatchEvent,
} from '../kube/client.js';
import { backoffDelay } from './queue.js';

export type ChangeType = 'added' | 'updated' | 'deleted';

export interface InformerOptions<T extends KubeResource> {
  client: KubeClient;
  /** Collection path, e.g. /apis/apps/v1/deployments or /apis/apps/v1/namespaces/x/deployments. */
  path: string;
  labelSelector?: string;
  onChange: (type: ChangeType, object: T, previous?: T) => void;
  log: Logger;
  /** Server-side end of each watch; the watchdog fires 50% later. Default 300 s. */
  watchTimeoutSeconds?: number;
}

export function objectKey(object: KubeResource): string {
  const { namespace, name } = object.metadata ?? {};
  return namespace ? `${namespace}/${name}` : (name ?? '');
}

export class Informer<T extends KubeResource> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private stopped = false;
  private current: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resolveSynced!: () => void;
  /** Resolves after the first complete list. */
  readonly synced = new Promise<void>((resolve) => (this.resolveSynced = resolve));
  /** Watches restarted because they went silent: visible to tests and logs. */
  restartedSilentWatches = 0;

  constructor(private readonly options: InformerOptions<T>) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort();
    await this.loop;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  private async run(): Promise<void> {
    const { log, path } = this.options;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        await this.watchOnce();
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        if (isStatus(error, 410)) {
          log.info({ path }, 'watch resourceVersion expired (410 Gone): relisting');
          this.resourceVersion = '';
          continue;
        }
        failures++;
        const delayMs = backoffDelay(failures, 250, 4_000);
        log.warn({ path, err: error, retryInMs: delayMs }, 'list/watch failed');
        await sleep(delayMs);
      }
    }
  }

  private async relist(): Promise<void> {
    const { client, path, labelSelector, onChange } = this.options;
    const list = await client.get<KubeList<T>>(path, { labelSelector });
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = objectKey(item);
      seen.add(key);
      const previous = this.cache.get(key);
      this.cache.set(key, item);
      if (!previous) onChange('added', item);
      else if (previous.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        onChange('updated', item, previous);
    }
    for (const [key, object] of this.cache) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      onChange('deleted', object);
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.resolveSynced();
  }

  private async watchOnce(): Promise<void> {
    const { client, path, labelSelector, log } = this.options;
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    const controller = new AbortController();
    this.current = controller;
    let gone = false;
    // Rearmed by every event: a watch that outlives its server-side timeout with nothing to say is dead.
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        this.restartedSilentWatches++;
        log.warn({ path, timeoutSeconds }, 'watch silent past its timeout: restarting it');
        controller.abort();
      }, timeoutSeconds * 1500);
      watchdog.unref();
    };
    arm();
    const onEvent = (event: WatchEvent<T>) => {
      arm();
      if (event.type === 'ERROR') {
        const status = event.object as unknown as { code?: number; message?: string };
        if (status.code === 410) gone = true;
        else log.warn({ path, status }, 'watch error event');
        controller.abort();
        return;
      }
      const version = event.object.metadata?.resourceVersion;
      if (version) this.resourceVersion = version;
      if (event.type === 'BOOKMARK') return;
      this.apply(event);
    };
    try {
      await client.watch<T>(
        path,
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds, labelSelector },
        onEvent,
        controller.signal,
      );
    } finally {
      clearTimeout(watchdog);
    }
    if (gone) {
      log.info({ path }, 'watch resourceVersion expired (410 Gone): relisting');
      this.resourceVersion = '';
    }
  }

  private apply(event: WatchEvent<T>): void {
    const key = objectKey(event.object);
    const previous = this.cache.get(key);
    if (event.type === 'DELETED') {
      this.cache.delete(key);
      this.options.onChange('deleted', event.object);
      return;
    }
    this.cache.set(key, event.object);
    this.options.onChange(previous ? 'updated' : 'added', event.object, previous);
  }
}
