/**
 * The chaos suite's pipeline, as in production but on loopback: nats-server, PostgreSQL and the S3
 * server (the shared harness's real servers) plus `eventpipe collector` and `eventpipe loader` child
 * processes, each of which a fault can kill and this module restarts on the same settings.
 *
 * The stream and the consumer are created here and the children do not manage them
 * (`nats.manageStream=false`, as under the operator), so a restarted collector does not undo a fault
 * that changed the stream's limits.
 */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { desiredConsumerConfig, ensureStream, type Config } from '@eventpipe/core';
import { freePort } from '@eventpipe/local';
import {
  configOf,
  natsClient,
  settings,
  spawnEventpipe,
  startServers,
  stopChild,
  waitFor,
  type EventpipeChild,
  type Servers,
  type Suite,
} from '../e2e/harness.js';

export interface TopologyOptions {
  collectors: number;
  loaders: number;
  /** `warehouse.lockTimeoutMs`: below the lock fault's hold, so loaders give up and retry. */
  lockTimeoutMs: number;
  /** A directory for each child's log (`collector-0.log`, …), at EVENTPIPE_TEST_LOG_LEVEL. */
  logDir?: string;
}

/** A child the topology restarts after a fault kills it. */
interface Slot {
  name: string;
  child: EventpipeChild;
  /** Set while a fault has it down on purpose, so its exit is not reported as a crash. */
  killed: boolean;
}

export type Topology = Awaited<ReturnType<typeof startTopology>>;

export async function startTopology(options: TopologyOptions) {
  const servers: Servers = await startServers();
  const nats: Suite['nats'] = await natsClient(servers);
  const env = settings(servers, {
    EVENTPIPE_NATS_MANAGE_STREAM: 'false',
    EVENTPIPE_WAREHOUSE_LOCK_TIMEOUT_MS: String(options.lockTimeoutMs),
  });
  const config: Config = configOf(env);
  await ensureStream(nats.nc, config.nats);
  await nats.jsm.consumers.add(config.nats.stream, desiredConsumerConfig(config));

  /** Exits nobody asked for: each one is a crash the suite reports as a failure. */
  const crashes: string[] = [];
  const collectorPorts = await Promise.all(Array.from({ length: options.collectors }, () => freePort()));
  const collectorUrls = collectorPorts.map((port) => `http://127.0.0.1:${port}`);

  const spawnSlot = (slot: Slot, command: 'collector' | 'loader', childEnv: Record<string, string>) => {
    slot.killed = false;
    const log = options.logDir && openSync(join(options.logDir, `${slot.name.replace(' ', '-')}.log`), 'a');
    slot.child = spawnEventpipe(command, childEnv, log || undefined);
    if (log) closeSync(log);
    const child = slot.child;
    void child.exited.then((how) => {
      if (slot.child === child && !slot.killed) crashes.push(`${slot.name} exited (${how})`);
    });
  };
  const collectorEnv = (i: number) => ({ ...env, EVENTPIPE_COLLECTOR_PORT: String(collectorPorts[i]) });
  // Generous: on 2 busy cores a Node process can take seconds to start.
  const collectorReady = (i: number) =>
    waitFor(
      `collector ${i} to be ready`,
      async () => {
        const response = await fetch(`${collectorUrls[i]}/health/ready`);
        await response.body?.cancel();
        return response.ok;
      },
      60_000,
    );

  const collectors: Slot[] = collectorPorts.map((_, i) => {
    const slot = { name: `collector ${i}` } as Slot;
    spawnSlot(slot, 'collector', collectorEnv(i));
    return slot;
  });
  const loaders: Slot[] = Array.from({ length: options.loaders }, (_, i) => {
    const slot = { name: `loader ${i}` } as Slot;
    spawnSlot(slot, 'loader', env);
    return slot;
  });
  await Promise.all(collectors.map((_, i) => collectorReady(i)));

  const kill = async (slot: Slot) => {
    slot.killed = true;
    slot.child.kill('SIGKILL');
    await slot.child.exited;
  };

  return {
    servers,
    nats,
    config,
    collectorUrls,
    crashes,
    /** SIGKILL of collector `i`; `restart()` brings it back on its port and waits until it is ready. */
    async killCollector(i: number) {
      await kill(collectors[i]!);
      return async () => {
        spawnSlot(collectors[i]!, 'collector', collectorEnv(i));
        await collectorReady(i);
      };
    },
    /** SIGKILL of loader `i`; `restart()` starts a new one (its messages come back after ack_wait). */
    async killLoader(i: number) {
      await kill(loaders[i]!);
      return async () => spawnSlot(loaders[i]!, 'loader', env);
    },
    async dispose() {
      for (const slot of [...collectors, ...loaders]) slot.killed = true;
      await Promise.allSettled([...collectors, ...loaders].map((slot) => stopChild(slot.child)));
      await nats.nc.close();
      await servers.dispose();
    },
  };
}
