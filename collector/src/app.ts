/**
 * The collector's HTTP face: fastify with the body parsers, limits, CORS and error format the
 * Segment and RudderStack SDKs need. No I/O of its own: publishing and readiness are injected, so the
 * same app runs in `startCollector` against NATS and in tests against fakes.
 */
import fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import cors from '@fastify/cors';
import type { Config, Logger } from '@eventpipe/core';
import { createAuthenticator } from './auth.js';
import { HttpError, type ErrorBody } from './errors.js';
import {
  JSON_CONTENT_TYPES,
  charsetProblem,
  decodeBody,
  isIdentityEncoding,
  parseJsonBody,
  tooLarge,
  utf8Text,
  type JsonBody,
} from './parse.js';
import type { Publish } from './publish.js';
import type { Readiness } from './readiness.js';
import { segmentRoutes, sourceOfRequest, ROUTE_LIST } from './routes/segment.js';
import {
  eventsInBody,
  rejectionReason,
  unavailableCause,
  type CollectorMetrics,
  type UnavailableCause,
} from './metrics.js';
import { healthRoutes } from './routes/health.js';
import { trustedProxies } from './proxies.js';
import { serverTimeouts } from './timeouts.js';
import { ipRateLimiter, limitSources } from './rate-limit.js';
import { rejectionOf, type RecordRejection } from './rejections.js';

export interface AppOptions {
  config: Pick<Config, 'collector' | 'sources'> & { nats: Pick<Config['nats'], 'subjectPrefix'> };
  log: Logger;
  publish: Publish;
  readiness: Readiness;
  /** Counted when given (the running collector serves them on its metrics port). */
  metrics?: CollectorMetrics;
  /** The OpenTelemetry SDK runs in this process: publish producer spans. */
  tracing?: boolean;
  /** Told of every refused POST, for the console's list of rejected requests. */
  recordRejection?: RecordRejection;
}

/** fastify's own 4xx errors, reworded to say what the client should change. */
function frameworkError(
  error: FastifyError,
  contentType: string | undefined,
  maxRequestBytes: number,
): HttpError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return tooLarge(maxRequestBytes);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_EMPTY_TYPE':
      return new HttpError(
        415,
        `unsupported Content-Type ${contentType ? `"${contentType}"` : '(none)'}: send application/json or text/plain`,
      );
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'Content-Length does not match the body received');
    default:
      return new HttpError(error.statusCode ?? 400, error.message);
  }
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { collector } = options.config;
  const { metrics } = options;
  /** Why a request was answered 503, for the metric written when the answer is sent. */
  const causeOf = new WeakMap<FastifyRequest, UnavailableCause>();
  /** The body of each refusal, for the rejection record written when the answer is sent. */
  const refusalOf = new WeakMap<FastifyRequest, ErrorBody>();
  const app = fastify({
    // pino's Logger is a FastifyBaseLogger; naming the base type keeps the app's type the default one.
    loggerInstance: options.log as FastifyBaseLogger,
    // Per-request log lines would cost more than handling the request; refusals are logged below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: collector.maxRequestBytes,
    // X-Forwarded-For is believed only from these addresses/CIDRs; `request.ip` applies the rule.
    trustProxy: trustedProxies(collector.trustedProxies),
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    ...serverTimeouts(collector),
  });

  // Once closing, each answer also closes its keep-alive connection: fastify closes the connections
  // idle at that moment, but one still in flight would otherwise linger until keepAliveTimeout.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback style, not async: this runs for every answer, and an async hook costs a promise each.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  if (metrics) {
    app.addHook('onResponse', (request, reply, done) => {
      const status = reply.statusCode;
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.requests.inc({ route, status });
      metrics.requestSeconds.observe({ route }, reply.elapsedTime / 1000);
      if (status >= 400 && request.method === 'POST') {
        const source = sourceOfRequest.get(request) ?? 'unknown';
        metrics.eventsRejected.inc({ reason: rejectionReason(status), source }, eventsInBody(request.body));
        // fastify answers 503 itself while closing, without our error handler.
        if (status === 503) metrics.unavailable.inc({ cause: causeOf.get(request) ?? 'closing' });
      }
      done();
    });
  }
  const { recordRejection } = options;
  if (recordRejection) {
    app.addHook('onResponse', (request, reply, done) => {
      if (reply.statusCode >= 400 && request.method === 'POST') {
        const { statusCode } = reply;
        recordRejection(
          rejectionOf(request, statusCode, refusalOf.get(request), sourceOfRequest.get(request), new Date()),
        );
      }
      done();
    });
  }

  void app.register(cors, {
    origin: collector.corsOrigins.includes('*') ? '*' : collector.corsOrigins,
    methods: ['GET', 'POST'],
    // Listed by name: a `*` wildcard does not cover `Authorization`, which analytics-next sends with
    // every call, and without it each call fails in the browser and the SDK retries forever.
    allowedHeaders: ['authorization', 'content-type', 'content-encoding', 'traceparent'],
    exposedHeaders: ['retry-after', 'x-ratelimit-reset'],
    maxAge: 86_400,
  });

  // Before the body is read, so a flooding IP costs no parsing. Probes (GET) are not limited.
  if (collector.rateLimitPerIp > 0) {
    const perIp = ipRateLimiter(collector);
    app.addHook('onRequest', (request, _reply, done) => {
      if (request.method !== 'POST') return done();
      try {
        perIp.take(request.ip, `IP ${request.ip}`);
      } catch (error) {
        return done(error as HttpError);
      }
      done();
    });
  }

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    JSON_CONTENT_TYPES,
    { parseAs: 'buffer', bodyLimit: collector.maxRequestBytes },
    // Callback style, synchronous for the usual uncompressed body: a promise-returning parser costs
    // every request two promises and a detour through the microtask queue.
    (request: FastifyRequest, raw: Buffer, done: (error: Error | null, body?: unknown) => void) => {
      metrics?.requestBytes.observe(raw.length);
      const read = (decoded: Buffer) => {
        let body: JsonBody;
        try {
          body = parseJsonBody(utf8Text(decoded));
        } catch (error) {
          return done(error as HttpError);
        }
        done(null, body);
      };
      const charset = charsetProblem(request.headers['content-type']);
      if (charset) return done(charset);
      const encoding = request.headers['content-encoding'];
      if (isIdentityEncoding(encoding)) return read(raw);
      decodeBody(raw, encoding, collector.maxRequestBytes).then(read, (error: HttpError) => done(error));
    },
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const failure =
      error instanceof HttpError
        ? error
        : error.statusCode !== undefined && error.statusCode < 500
          ? frameworkError(error, request.headers['content-type'], collector.maxRequestBytes)
          : undefined;
    if (!failure) {
      request.log.error({ err: error, url: request.url }, 'request failed');
      const body = { error: 'internal error; the events were not stored, retry' };
      refusalOf.set(request, body);
      return reply.status(500).send(body);
    }
    // A 503 is an operator's concern (NATS trouble); a 4xx is the client's, logged only for debugging.
    const level = failure.statusCode >= 500 ? 'warn' : 'debug';
    if (failure.statusCode === 503) causeOf.set(request, unavailableCause(failure.message));
    request.log[level](
      { url: request.url, status: failure.statusCode, reason: failure.message },
      'request refused',
    );
    refusalOf.set(request, failure.body());
    return reply.status(failure.statusCode).headers(failure.headers).send(failure.body());
  });

  app.setNotFoundHandler((request, reply) => {
    const body = {
      error: `no endpoint ${request.method} ${request.url.split('?')[0]}; events are POSTed to ${ROUTE_LIST}`,
    };
    refusalOf.set(request, body);
    return reply.status(404).send(body);
  });

  void app.register(healthRoutes, { readiness: options.readiness });
  void app.register(segmentRoutes, {
    authenticate: limitSources(
      createAuthenticator(options.config.sources),
      collector,
      options.config.sources.length,
    ),
    publish: options.publish,
    subjectPrefix: options.config.nats.subjectPrefix,
    limits: {
      maxEventBytes: collector.maxEventBytes,
      maxBatchEvents: collector.maxBatchEvents,
      maxRequestPublishBytes: collector.maxRequestPublishBytes,
    },
    metrics,
    tracing: options.tracing,
  });
  return app;
}
