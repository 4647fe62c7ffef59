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
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .some((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // `pid (comm) state ppid pgrp …`: comm may hold spaces, so read after the last ')'.
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(pgrp) === pgid && state !== 'Z';
      } catch {
        return false; // exited while we looked
      }
    });
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
