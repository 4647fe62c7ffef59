/**
 * A real `nats-server -js` on a loopback port with its own store dir: a temp dir for a test suite, or
 * a kept dir for `eventpipe dev`. `stop()` then `start()` again keeps the port and the stored stream.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ensureDebianPackage } from './binaries.js';
import { killGroup, spawnSupervised } from './supervised.js';

export interface NatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** Stops the server (SIGTERM, or SIGKILL with `{ kill: true }`); the store dir is kept. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Starts it again on the same port and store dir. */
  start(): Promise<void>;
  /** Stops it and removes the store dir when it was a temp dir. */
  dispose(): Promise<void>;
}

export function natsServerBinary(): string {
  return ensureDebianPackage('nats-server', 'nats-server');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function waitForReady(child: ChildProcess, what: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`${what} not ready after ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        // From now on its output is read and dropped: unread, a full pipe would block the server.
        child.stderr?.off('data', onData).resume();
        child.stdout?.off('data', onData).resume();
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

export interface NatsOptions {
  /** Keep the JetStream store here (created if missing); default: a temp dir removed by dispose(). */
  storeDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Called when the server exits on its own while running (not through stop()). */
  onUnexpectedExit?: (error: Error) => void;
}

export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const binary = natsServerBinary();
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'eventpipe-nats-'));
  if (options.storeDir) mkdirSync(storeDir, { recursive: true });
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  const start = async () => {
    const started = spawnSupervised(
      {
        command: binary,
        args: ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir],
        stopSignal: 'SIGTERM',
        killAfterMs: 10_000,
      },
      { stdout: 'pipe', stderr: 'pipe' },
    );
    child = started;
    try {
      await waitForReady(started, `nats-server on port ${port}`);
    } catch (error) {
      child = undefined;
      await killGroup(started);
      throw error;
    }
    started.once('exit', (code, signal) => {
      if (child !== started) return; // stopped on purpose
      child = undefined;
      options.onUnexpectedExit?.(new Error(`nats-server on port ${port} exited (${signal ?? code})`));
    });
  };

  const stop = async ({ kill = false } = {}) => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    if (kill) await killGroup(running);
    else running.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    start,
    stop,
    dispose: async () => {
      await stop();
      if (!options.storeDir) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
