/**
 * The console's HTTP face: the login, the JSON and SSE API the page calls, and the page itself
 * (static files built by Vite). Every route but the login asks for the admin token (a bearer token
 * or the session cookie); a browser without it is sent to the login page. No I/O of its own: NATS, the
 * warehouse and the metrics history are injected, so tests can give it fakes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { decodeEnvelope, UNKNOWN_SOURCE, type Logger } from '@eventpipe/core';
import { DEAD_LETTER_ID_PATTERN, RedriveSelectionError, type DeadLetters } from '@eventpipe/loader';
import { isAdmin, SESSION_COOKIE, secretMatches, sessionValue } from './auth.js';
import { loginPage } from './login-page.js';
import { matchesFilter, parseLiveFilter, sseMessage } from './live.js';
import type { RejectionRing } from './rejections.js';
import type { ConsoleWarehouse, WarehouseRow } from './warehouse.js';
import type { MetricsHistory } from './metrics-history.js';

/**
 * Delivers every message published on a source's event subjects until the returned stop is called;
 * resolves once the NATS server has the subscription, so nothing published after is missed.
 */
export type SubscribeLive = (sourceId: string, deliver: (data: Uint8Array) => void) => Promise<() => void>;

export interface ConsoleAppOptions {
  adminToken: string;
  sourceIds: readonly string[];
  log: Logger;
  subscribeLive: SubscribeLive;
  rejections: RejectionRing;
  warehouse: ConsoleWarehouse;
  history: MetricsHistory;
  /** The loader's dead letters, as `eventpipe dead-letter` opens them: one code path for both. */
  deadLetters: Pick<DeadLetters, 'list' | 'show' | 'redrive'>;
  /** The built front-end (index.html and assets/). */
  webDir: string;
  /** Can the console serve its pages (its NATS connection is open)? For the readiness probe. */
  ready?: () => boolean;
}

/** The answer of `/api/row`: not loaded yet is an answer, not an error. */
export type RowLookup = { loaded: false } | ({ loaded: true } & WarehouseRow);

/** Past this many bytes waiting for a slow browser, events are skipped rather than buffered. */
const MAX_SSE_BUFFER_BYTES = 1024 * 1024;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const SSE_HEARTBEAT_MS = 15_000;
const LOGIN_BODY_LIMIT = 4096;
/** Dead letters a page lists, and a redrive takes, at most. */
export const MAX_DEAD_LETTERS = 200;

const REDRIVE_BODY = {
  type: 'object',
  required: ['source', 'ids'],
  properties: {
    source: { type: 'string', maxLength: 200 },
    ids: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_DEAD_LETTERS,
      items: { type: 'string', pattern: DEAD_LETTER_ID_PATTERN.source },
    },
  },
} as const;
const REDRIVE_BODY_LIMIT = 16 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function sendLogin(reply: FastifyReply, failed: boolean, status = 401) {
  return reply.status(status).type('text/html; charset=utf-8').send(loginPage({ failed }));
}

export function buildConsoleApp(options: ConsoleAppOptions): FastifyInstance {
  if (!existsSync(join(options.webDir, 'index.html'))) {
    throw new Error(`the console's web files are missing in ${options.webDir}: run "npm run build" first`);
  }
  const app = fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Live streams never end on their own: closing the console cuts them.
    forceCloseConnections: true,
  });
  const { adminToken } = options;
  const sources = new Set(options.sourceIds);

  void app.register(cookie);
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(SECURITY_HEADERS);
    done();
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: LOGIN_BODY_LIMIT },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  app.get('/login', (_request, reply) => sendLogin(reply, false, 200));
  app.post('/login', (request, reply) => {
    const token = (request.body as Record<string, unknown> | undefined)?.token;
    if (!secretMatches(adminToken, token)) {
      request.log.info({ ip: request.ip }, 'console login refused: wrong admin token');
      return sendLogin(reply, true);
    }
    void reply.setCookie(SESSION_COOKIE, sessionValue(adminToken), {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
    });
    return reply.redirect('/', 303);
  });
  app.post('/logout', (_request, reply) =>
    reply.clearCookie(SESSION_COOKIE, { path: '/' }).redirect('/login', 303),
  );
  app.get('/health/live', async () => ({ ok: true }));
  app.get('/health/ready', async (_request, reply) =>
    (options.ready?.() ?? true)
      ? { ready: true }
      : reply.status(503).send({ ready: false, reason: 'NATS closed' }),
  );

  // Everything registered after this hook needs the token.
  void app.register(async (admin) => {
    admin.addHook('onRequest', (request, reply, done) => {
      if (isAdmin(adminToken, request.headers.authorization, request.cookies[SESSION_COOKIE])) return done();
      if (request.url.startsWith('/api/')) {
        return void reply.status(401).send({ error: 'the admin token is missing or wrong' });
      }
      void reply.redirect('/login', 303);
    });

    const sourceOf = (query: unknown, reply: FastifyReply): string | undefined => {
      const source = (query as { source?: unknown }).source;
      if (typeof source === 'string' && sources.has(source)) return source;
      void reply.status(404).send({ error: `no source ${JSON.stringify(source)}; sources: ${[...sources]}` });
      return undefined;
    };

    admin.get('/api/sources', async () => ({ sources: [...sources] }));

    admin.get('/api/live', async (request, reply) => {
      const source = sourceOf(request.query, reply);
      if (source === undefined) return reply;
      const filter = parseLiveFilter(request.query as Record<string, unknown>);
      if (typeof filter === 'string') return reply.status(400).send({ error: filter });
      const out = reply.raw;
      let open = false;
      let skipped = 0;
      // Subscribed before answering: once the browser sees the stream open, every later event comes
      // through. A failure to subscribe is still an ordinary error answer.
      const stop = await options.subscribeLive(source, (data) => {
        if (!open || out.destroyed) return;
        const decoded = decodeEnvelope(data);
        if (!decoded.ok || !matchesFilter(decoded.envelope, filter)) return;
        if (out.writableLength > MAX_SSE_BUFFER_BYTES) {
          skipped++;
          return;
        }
        if (skipped > 0) {
          out.write(sseMessage('skipped', String(skipped)));
          skipped = 0;
        }
        out.write(sseMessage('envelope', Buffer.from(data).toString('utf8')));
      });
      reply.hijack();
      // The browser may have gone while the subscription was made; its close event is past then.
      if (out.destroyed) {
        stop();
        return reply;
      }
      out.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      out.write(': connected\n\n');
      open = true;
      const heartbeat = setInterval(() => out.write(': heartbeat\n\n'), SSE_HEARTBEAT_MS);
      out.on('close', () => {
        open = false;
        clearInterval(heartbeat);
        stop();
      });
      return reply;
    });

    admin.get('/api/row', async (request, reply) => {
      const source = sourceOf(request.query, reply);
      if (source === undefined) return reply;
      const { messageId, type, event } = request.query as Record<string, unknown>;
      if (typeof messageId !== 'string' || typeof type !== 'string' || messageId.length > 200) {
        return reply.status(400).send({ error: 'messageId and type are required, one value each' });
      }
      const found = await options.warehouse.row(
        source,
        { type: type as never, event: { event: typeof event === 'string' ? event : undefined } },
        messageId,
      );
      // The page says when it is not loaded yet, and offers to look again.
      const lookup: RowLookup = found ? { loaded: true, ...found } : { loaded: false };
      return lookup;
    });

    admin.get('/api/rejections', async (request, reply) => {
      const source = sourceOf(request.query, reply);
      if (source === undefined) return reply;
      // Requests whose write key matched no source belong to none: every source's page shows them.
      return { rejections: options.rejections.of(source), unknownKey: options.rejections.of(UNKNOWN_SOURCE) };
    });

    admin.get('/api/schema', async (request, reply) => {
      const source = sourceOf(request.query, reply);
      if (source === undefined) return reply;
      return { tables: await options.warehouse.schema(source) };
    });

    admin.get('/api/dead-letters', async (request, reply) => {
      const source = sourceOf(request.query, reply);
      if (source === undefined) return reply;
      // Redriven ones too, so the page shows what a redrive did; newest first, so a limit keeps those.
      const deadLetters = await options.deadLetters.list({
        sourceId: source,
        includeRedriven: true,
        newestFirst: true,
        limit: MAX_DEAD_LETTERS,
      });
      return { deadLetters };
    });

    admin.get('/api/dead-letter', async (request, reply) => {
      const source = sourceOf(request.query, reply);
      if (source === undefined) return reply;
      const { id } = request.query as { id?: unknown };
      if (typeof id !== 'string' || !DEAD_LETTER_ID_PATTERN.test(id)) {
        return reply.status(400).send({ error: 'id: a dead letter id (12 hex digits) is required' });
      }
      const detail = await options.deadLetters.show(id);
      if (detail?.sourceId !== source) {
        return reply.status(404).send({ error: `no dead letter ${id} in source ${source}` });
      }
      return { deadLetter: detail };
    });

    admin.post(
      '/api/dead-letters/redrive',
      { bodyLimit: REDRIVE_BODY_LIMIT, schema: { body: REDRIVE_BODY } },
      async (request, reply) => {
        const source = sourceOf(request.body, reply);
        if (source === undefined) return reply;
        const { ids } = request.body as { ids: string[] };
        request.log.info({ ip: request.ip, source, ids: ids.length }, 'console redrive');
        try {
          // Narrowed to the page's source: an id of another source is reported not found.
          return await options.deadLetters.redrive({ ids, sourceId: source });
        } catch (error) {
          if (error instanceof RedriveSelectionError) return reply.status(400).send({ error: error.message });
          throw error;
        }
      },
    );

    admin.get('/api/metrics', async () => ({ points: options.history.points() }));

    await admin.register(fastifyStatic, { root: options.webDir, index: false, wildcard: false });
    admin.get('/', (_request, reply) => reply.sendFile('index.html'));
  });

  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'console request failed');
    return reply.status(status).send({ error: status >= 500 ? 'internal error' : (error as Error).message });
  });
  return app;
}
