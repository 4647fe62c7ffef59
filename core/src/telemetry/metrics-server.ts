/**
 * `/metrics` (Prometheus text) on a port of its own, apart from any public port: scrapers reach it
 * inside the cluster, clients of the ingestion API never do.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listen, type ListeningServer } from './listen.js';

export type MetricsServer = ListeningServer;

export async function startMetricsServer(
  host: string,
  port: number,
  registry: Registry,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' });
      return void response.end(
        JSON.stringify({ error: `no route ${request.method} ${path}: try GET /metrics` }),
      );
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) =>
        response
          .writeHead(500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: `metrics failed: ${error.message}` })),
    );
  });
  return listen(server, host, port);
}
