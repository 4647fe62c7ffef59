/**
 * The OpenTelemetry instrumentations of the collector, for the process entry to hand to the SDK
 * before fastify is imported. A module of its own so that loading it does not load the app.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';

export function collectorInstrumentations() {
  return [
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      // One server span per request; a span per lifecycle hook would cost more than the request.
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: ({ url }) => url.startsWith('/health/'),
      requestHook: (span, request) =>
        span.updateName(`${request.method} ${request.routeOptions.url ?? 'unmatched'}`),
    }),
  ];
}
