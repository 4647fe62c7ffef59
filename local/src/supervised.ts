/**
 * Starting a local server under its supervisor (see supervise.ts), and killing it with everything it
 * forked. The returned ChildProcess is the supervisor: its pid is the server's process group, signals
 * sent to it reach the server, and it exits with the server's exit code.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SupervisorSpec } from './supervise.js';

const SUPERVISOR = fileURLToPath(new URL('./supervise.js', import.meta.url));

/** Where the server's stdout and stderr go: a pipe to this process, or a file descriptor. */
type Output = 'pipe' | number;

export function spawnSupervised(
  spec: SupervisorSpec,
  output: { stdout: Output; stderr: Output },
): ChildProcess {
  const child: ChildProcess = spawn(process.execPath, [SUPERVISOR, JSON.stringify(spec)], {
    detached: true,
    stdio: ['pipe', output.stdout, output.stderr],
  });
  // The pipe exists only to close when this process is gone; a supervisor that exited first makes
  // it break, which is no error here.
  child.stdin!.on('error', () => {});
  return child;
}

/**
 * Does any live process remain in the group? Read from /proc, because `kill(-pgid, 0)` also counts
 * zombies, and a container's PID 1 may never reap the orphaned ones.
 */
function groupAlive(pgid: number): boolean {
  return processIds().some((pid) => {
    const stat = readStat(pid);
    return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
  });
}

/** `pid`'s parent and process group from /proc/<pid>/stat; undefined once it is gone. */
function readStat(pid: string): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid pgrp …`: comm may hold spaces, so read after the last ')'.
    const [state, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined; // exited while we looked
  }
}

function processIds(): string[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name));
}

/**
 * Sends `signal` to every process under the supervisor (the server and what it forked), parents
 * first; the supervisor itself stays awake to stop the server should this process die. Not to the
 * process group: PostgreSQL's backends each call setsid() and lead groups of their own.
 */
export function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  const children = new Map<number, number[]>();
  for (const pid of processIds()) {
    const stat = readStat(pid);
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(pid)]);
  }
  const queue = [...(children.get(child.pid) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
    queue.push(...(children.get(pid) ?? []));
  }
}

/**
 * SIGKILL to the supervisor's whole group (supervisor, server and anything the server forked), then
 * waits until every one of them is gone: until then they may still hold the port or shared memory.
 */
export async function killGroup(child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    return; // already gone
  }
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(20);
}
