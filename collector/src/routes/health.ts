/** Kubernetes probes: live = the process answers; ready = events can be stored right now. */
import type { FastifyPluginAsync } from 'fastify';
import type { Readiness } from '../readiness.js';

export const healthRoutes: FastifyPluginAsync<{ readiness: Readiness }> = async (app, { readiness }) => {
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const state = await readiness();
    if (state.ready) return { status: 'ready' };
    return reply.status(503).send({ status: 'not ready', error: state.reason });
  });
};
