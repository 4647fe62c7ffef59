/**
 * Components run as child processes, as in production, so their CPU and memory are their own and
 * their peak RSS can be read from the kernel (VmHWM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { POD_NODE_OPTIONS } from '@eventpipe/core';
import { inCgroup, memoryCgroup, POD_MEMORY_LIMIT } from './memory-limit.js';

const cliPath = fileURLToPath(new URL('../../cli/bin/eventpipe.js', import.meta.url));

export interface Child {
  process: ChildProcess;
  /** Peak resident set size so far, in MB. */
  peakRssMb(): number;
  /** The memory limit it runs under, as its pod's ("1Gi"), or undefined when it runs unlimited. */
  memoryLimit: string | undefined;
  stop(): Promise<void>;
}

/** How a child's memory limit reads in a result's notes. */
export function describeMemoryLimit(child: Child): string {
  return child.memoryLimit === undefined
    ? 'no memory limit (no cgroup could be made: V8 sizes its heap for the whole machine)'
    : `in a ${child.memoryLimit} memory cgroup, its pod's default limit`;
}

export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

let profileDir: string | undefined;

/** `--profile <dir>`: every child writes a V8 CPU profile there (open it in Chrome DevTools). */
export function profileChildrenInto(dir: string): void {
  profileDir = dir;
}

/**
 * Starts a node script (or `eventpipe <command>` when `script` is omitted) with the given env. The
 * collector and loader run as in their pods: with the pods' `NODE_OPTIONS`, in a memory cgroup
 * limited as their pods are by default (`memory-limit.ts`).
 */
export function startChild(args: string[], env: Record<string, string>, script: string = cliPath): Child {
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const podLimit = script === cliPath ? POD_MEMORY_LIMIT[args[0] ?? ''] : undefined;
  const cgroup = podLimit === undefined ? undefined : memoryCgroup(podLimit);
  const command = [process.execPath, ...profile, script, ...args];
  const [file, ...argv] = cgroup ? inCgroup(cgroup, command) : command;
  const child = spawn(file!, argv, {
    // EVENTPIPE_BENCH_LOG_LEVEL=info shows the children's per-batch step timings.
    env: {
      ...process.env,
      EVENTPIPE_LOG_LEVEL: process.env.EVENTPIPE_BENCH_LOG_LEVEL ?? 'warn',
      ...(podLimit === undefined ? {} : { NODE_OPTIONS: POD_NODE_OPTIONS }),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.once('exit', () => cgroup?.remove());
  return {
    process: child,
    peakRssMb: () => peakRssMb(child.pid!),
    memoryLimit: cgroup?.limit,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls an HTTP URL until it answers 2xx, or fails after the timeout. */
export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms`);
}
