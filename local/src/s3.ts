/**
 * An S3 API server (s3rver, in-process) on a loopback port with its own data dir: a temp dir for a
 * test suite, or a kept dir for `eventpipe dev`. `stop()` then `start()` again keeps the port and
 * the stored objects, so tests can take "S3" away mid-stream and bring it back.
 *
 * s3rver 3.7 accepts the credentials `S3RVER`/`S3RVER` (exported below) and those a caller adds
 * (`credentials`: the tests use a recognisable secret, to prove it never reaches a log), and clients must
 * use path-style addressing and `requestChecksumCalculation`/`responseChecksumValidation:
 * 'WHEN_REQUIRED'`: with the AWS SDK's default checksums it stores the aws-chunked framing inside
 * streamed objects, silently corrupting them.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './nats.js';

/** The credentials s3rver always accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The part of s3rver's (untyped, CommonJS) API used here. */
interface S3rverInstance {
  run(): Promise<unknown>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

/** s3rver's one account, whose key pairs its request signing checks (a process-wide registry). */
const s3rverAccount = (
  require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
  }
).DUMMY_ACCOUNT;

export interface S3Server {
  /** Endpoint URL for `s3.endpoint` (path-style). */
  url: string;
  port: number;
  dataDir: string;
  /** The bucket created at start, when one was asked for. */
  bucket?: string;
  /** Stops serving and cuts open connections; the data dir is kept. */
  stop(): Promise<void>;
  /** Serves again on the same port and data dir. */
  start(): Promise<void>;
  /** Stops it and removes the data dir when it was a temp dir. */
  dispose(): Promise<void>;
}

export interface S3Options {
  /** Keep the objects here (created if missing); default: a temp dir removed by dispose(). */
  dataDir?: string;
  /** Default: a free loopback port. */
  port?: number;
  /** Create this bucket at start-up. */
  bucket?: string;
  /** A key pair accepted besides `S3RVER_CREDENTIALS` (by every s3rver in this process). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export async function startS3(options: S3Options = {}): Promise<S3Server> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'eventpipe-s3-'));
  if (options.dataDir) mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  if (options.credentials)
    s3rverAccount.createKeyPair(options.credentials.accessKeyId, options.credentials.secretAccessKey);
  let server: S3rverInstance | undefined;

  const start = async () => {
    if (server) return;
    const instance = new S3rver({
      address: '127.0.0.1',
      port,
      directory: dataDir,
      silent: true,
      configureBuckets: options.bucket ? [{ name: options.bucket }] : [],
    });
    await instance.run();
    server = instance;
  };

  const stop = async () => {
    const http = server?.httpServer;
    server = undefined;
    if (!http) return;
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    // SDK clients keep connections alive; without this close() waits for them to go idle.
    http.closeAllConnections();
    await closed;
  };

  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    bucket: options.bucket,
    start,
    stop,
    dispose: async () => {
      await stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
