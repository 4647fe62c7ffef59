/**
 * Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes the
 * Lease when it is free, already its own, or not renewed for leaseDurationSeconds as seen on the
 * candidate's own clock (no cross-node clock comparison); the leader renews it every renew period
 * and steps down if it cannot renew within the lease duration. Updates carry the resourceVersion
 * read, so two candidates can never both win. A stopping leader releases the Lease, so its
 * successor — or itself restarted with the same identity — takes over at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@eventpipe/core';
import { isStatus, type KubeClient } from '../kube/client.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewPeriodMs?: number;
  retryPeriodMs?: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** MicroTime, as the API server wants it in a Lease. */
const microTime = (date: Date) => date.toISOString().replace(/Z$/, '000Z');

export class LeaderElector {
  private stopped = false;
  private leading = false;
  private loop: Promise<void> | undefined;
  private wake: AbortController = new AbortController();
  /** The record last seen and when (on this clock): a holder that does not change it for a lease duration has lapsed. */
  private observed: { key: string; at: number } | undefined;
  private readonly duration: number;
  private readonly renewMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaseOptions,
    private readonly log: Logger,
  ) {
    this.duration = options.leaseDurationSeconds ?? 15;
    // client-go's 15 s / 5 s / 2 s, scaled: a leader renews several times per lease, so one slow
    // request does not cost it the Lease, and a candidate notices a lapse soon after it happens.
    this.renewMs = options.renewPeriodMs ?? Math.round((this.duration * 1000) / 3);
    this.retryMs = options.retryPeriodMs ?? Math.round((this.duration * 1000) / 7.5);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    const { namespace, name } = this.options;
    return `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`;
  }

  /** Runs until stop(): calls `onStart` on winning the Lease and `onStop` on losing it. */
  start(onStart: () => void, onStop: () => void): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        let held = false;
        try {
          held = await this.tryAcquireOrRenew();
        } catch (error) {
          this.log.warn({ err: error, lease: this.options.name }, 'lease request failed');
        }
        if (held) this.observed = { key: 'self', at: Date.now() };
        if (held && !this.leading) {
          this.leading = true;
          this.log.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
          onStart();
        }
        const lapsed = this.leading && !held && Date.now() - (this.observed?.at ?? 0) > this.duration * 1000;
        if (lapsed || (this.leading && !held && this.lostToOther)) {
          this.leading = false;
          this.log.warn({ lease: this.options.name }, 'lost leadership');
          onStop();
        }
        await sleep(this.leading ? this.renewMs : this.retryMs, undefined, {
          signal: this.wake.signal,
        }).catch(() => {});
      }
    })();
  }

  private lostToOther = false;

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = new Date();
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(this.path);
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      await this.client.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`, {
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: this.duration,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const holder = lease.spec.holderIdentity ?? '';
    const key = `${holder}|${lease.spec.renewTime ?? ''}`;
    if (this.observed?.key !== key && holder !== identity) this.observed = { key, at: Date.now() };
    const duration = (lease.spec.leaseDurationSeconds ?? this.duration) * 1000;
    const free = holder === '' || holder === identity || Date.now() - (this.observed?.at ?? 0) > duration;
    this.lostToOther = holder !== '' && holder !== identity;
    if (!free) return false;
    const takeover = holder !== identity;
    const spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: this.duration,
      renewTime: microTime(now),
      ...(takeover
        ? { acquireTime: microTime(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }
        : {}),
    };
    try {
      await this.client.request('PUT', this.path, { body: { ...lease, spec } });
    } catch (error) {
      if (isStatus(error, 409)) return false; // another candidate updated it first
      throw error;
    }
    this.lostToOther = false;
    return true;
  }

  /** Stops campaigning; a leader releases the Lease so a successor need not wait for it to lapse. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.client.get<Lease>(this.path);
      if (lease.spec.holderIdentity !== this.options.identity) return;
      await this.client.request('PUT', this.path, {
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(new Date()),
          },
        },
      });
      this.log.info({ lease: this.options.name }, 'released the lease');
    } catch (error) {
      this.log.warn({ err: error }, 'could not release the lease; it lapses on its own');
    }
  }
}
