/**
 * Ceiling for the collector: bare fastify parsing the same JSON body and answering like the collector,
 * with no auth, validation or publish. Run as a child process: `node bare-fastify.js <port>`.
 */
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 0);
const app = Fastify({ logger: false, bodyLimit: 512 * 1024 });
app.post('/v1/track', async () => ({ success: true }));
app.post('/v1/batch', async () => ({ success: true }));
app.get('/health/ready', async () => ({ ready: true }));
await app.listen({ host: '127.0.0.1', port });
