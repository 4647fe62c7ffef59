/**
 * The HTTP side of a process that takes no traffic (loader, operator): `/health/live`,
 * `/health/ready` and `/metrics` (Prometheus) on one port, which the probes and the scrapers share.
 * Each process says what live and ready mean for it.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listen, type ListeningServer } from './listen.js';

export interface HealthState {
  /** Why the process can no longer work (restart it), or undefined while it can. */
  notLive(): string | undefined;
  /** Why the process is not ready, or undefined when it is. */
  notReady(): string | undefined;
}

export type HealthServer = ListeningServer;

export async function startHealthServer(
  host: string,
  port: number,
  state: HealthState,
  registry: Registry,
): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: string, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type }).end(body);
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return reply(405, JSON.stringify({ error: 'only GET is supported' }));
    switch (path) {
      case '/health/live': {
        const reason = state.notLive();
        return reason === undefined
          ? reply(200, JSON.stringify({ status: 'live' }))
          : reply(503, JSON.stringify({ status: 'dead', reason }));
      }
      case '/health/ready': {
        const reason = state.notReady();
        return reason === undefined
          ? reply(200, JSON.stringify({ status: 'ready' }))
          : reply(503, JSON.stringify({ status: 'not ready', reason }));
      }
      case '/metrics':
        return void registry.metrics().then(
          (text) => reply(200, text, registry.contentType),
          (error: Error) => reply(500, JSON.stringify({ error: `metrics failed: ${error.message}` })),
        );
      default:
        return reply(
          404,
          JSON.stringify({ error: `no route ${path}: try /health/live, /health/ready, /metrics` }),
        );
    }
  });
  return listen(server, host, port);
}
