/**
 * A small Kubernetes REST client: the operator needs only JSON requests (get, list, server-side
 * apply, merge patch, delete) and line-delimited watch streams. @kubernetes/client-node supplies the
 * cluster configuration and authentication (service-account token re-read on rotation, client
 * certificates, exec plug-ins, impersonation) through `applyToHTTPSOptions`; the requests themselves
 * are plain node:https, so content types, status codes and watch lifetimes are under our control.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

/** An API error: the HTTP status and the server's Status reason and message. */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

export function isStatus(error: unknown, status: number): boolean {
  return error instanceof KubeError && error.status === status;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestInit {
  query?: Query;
  body?: unknown;
  /** Default application/json; SSA uses application/apply-patch+yaml (JSON is valid YAML). */
  contentType?: string;
  signal?: AbortSignal;
}

/** One line of a watch stream. */
export interface WatchEvent<T = KubeResource> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface KubeResource {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
}

export interface KubeList<T = KubeResource> {
  metadata: { resourceVersion: string };
  items: T[];
}

function url(server: string, path: string, query: Query = {}): URL {
  const u = new URL(server.replace(/\/$/, '') + path);
  for (const [key, value] of Object.entries(query))
    if (value !== undefined) u.searchParams.set(key, String(value));
  return u;
}

export class KubeClient {
  /** Kept from the first request: the config makes a new agent per call, which would defeat keep-alive. */
  private agent: RequestOptions['agent'];

  constructor(readonly config: KubeConfig) {}

  private async options(method: string, contentType?: string): Promise<RequestOptions> {
    const options: RequestOptions = { method, headers: { accept: 'application/json' } };
    // Per request, so a rotated service-account token or an exec plug-in's fresh token is used.
    await this.config.applyToHTTPSOptions(options);
    this.agent ??= options.agent;
    options.agent = this.agent;
    if (contentType) (options.headers as Record<string, string>)['content-type'] = contentType;
    return options;
  }

  private server(): string {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server;
  }

  /** Sends one request; resolves with the parsed JSON body, rejects with KubeError on a non-2xx status. */
  async request<T = KubeResource>(method: string, path: string, init: RequestInit = {}): Promise<T> {
    const target = url(this.server(), path, init.query);
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const options = await this.options(
      method,
      body === undefined ? undefined : (init.contentType ?? 'application/json'),
    );
    const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(target, { ...options, signal: init.signal, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { message: text };
          }
          if (status >= 200 && status < 300) return resolve(parsed as T);
          const s = parsed as { reason?: string; message?: string };
          reject(new KubeError(status, s.reason ?? '', `${method} ${path}: ${status} ${s.message ?? text}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  get<T = KubeResource>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /**
   * Opens a watch and calls `onEvent` per line until the server ends the stream, the connection
   * fails or `signal` aborts. Resolves when the stream ends; rejects with KubeError when the server
   * refuses the watch (410 Gone when the resourceVersion is too old).
   */
  async watch<T = KubeResource>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const target = url(this.server(), path, { ...query, watch: true });
    const options = await this.options('GET');
    const send = target.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<void>((resolve, reject) => {
      const req = send(target, { ...options, signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            let message = Buffer.concat(chunks).toString('utf8');
            let reason = '';
            try {
              ({ message = message, reason = '' } = JSON.parse(message) as {
                message?: string;
                reason?: string;
              });
            } catch {
              // not a Status object: keep the text
            }
            reject(new KubeError(status, reason, `watch ${path}: ${status} ${message}`));
          });
          return;
        }
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        // A cut connection ends the watch like a server-side close: the caller resumes or relists.
        lines.on('error', () => resolve());
        lines.on('line', (line) => {
          if (!line.trim()) return;
          let event: WatchEvent<T>;
          try {
            event = JSON.parse(line) as WatchEvent<T>;
          } catch {
            return; // a torn line at a cut connection: the relist or rewatch covers it
          }
          onEvent(event);
        });
        res.on('error', () => resolve());
        res.on('close', () => resolve());
      });
      req.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
      req.end();
    });
  }
}
