/** Kubernetes probes: live = the process answers; ready = events can be stored right now. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { liveAnswer, readyAnswer, type HealthAnswer } from '@eventpipe/core';
import type { Readiness } from '../readiness.js';

export const healthRoutes: FastifyPluginAsync<{ readiness: Readiness }> = async (app, { readiness }) => {
  const send = (reply: FastifyReply, { statusCode, body }: HealthAnswer) =>
    reply.status(statusCode).send(body);
  app.get('/health/live', async (_request, reply) => send(reply, liveAnswer(undefined)));
  app.get('/health/ready', async (_request, reply) => {
    const state = await readiness();
    return send(reply, readyAnswer(state.ready ? undefined : state.reason));
  });
};
