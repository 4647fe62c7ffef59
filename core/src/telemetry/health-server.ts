/**
 * The HTTP side of a process that takes no traffic (loader, operator): `/health/live`,
 * `/health/ready` and `/metrics` (Prometheus) on one port, which the probes and the scrapers share.
 * Each process says what live and ready mean for it; the answers have the shape of health.ts.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { liveAnswer, readyAnswer, type HealthAnswer } from './health.js';
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
    const answer = ({ statusCode, body }: HealthAnswer) => reply(statusCode, JSON.stringify(body));
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return reply(405, JSON.stringify({ error: 'only GET is supported' }));
    switch (path) {
      case '/health/live':
        return answer(liveAnswer(state.notLive()));
      case '/health/ready':
        return answer(readyAnswer(state.notReady()));
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
