/**
 * OpenTelemetry for the process, started by the executable before it imports the command (and so
 * before fastify): `@fastify/otel` can only instrument a fastify imported after the SDK started.
 * Nothing is loaded unless the standard `OTEL_*` variables name a traces or metrics exporter (`eventpipe dev --otlp
 * URL` sets `OTEL_EXPORTER_OTLP_ENDPOINT`), so a process without tracing pays nothing for it.
 */
import { parseArgs } from 'node:util';
import { otlpMetricsConfigured, tracesConfigured } from '@eventpipe/core/telemetry/enabled';

/** The commands that run pipeline components in this process; others need no SDK. */
const TRACED = new Set(['collector', 'loader', 'dev', 'replay', 'operator']);
const SERVES_HTTP = new Set(['collector', 'dev']);

/**
 * `eventpipe dev` runs the collector and the loader in one process: their spans are exported as the
 * services they would be on their own (by the tracers that make them; `@fastify/otel` makes the
 * collector's server spans). The process's metrics stay `eventpipe-dev`'s.
 */
const DEV_SERVICES = {
  '@fastify/otel': 'eventpipe-collector',
  'eventpipe-collector': 'eventpipe-collector',
  'eventpipe-loader': 'eventpipe-loader',
};

/** `eventpipe dev --otlp URL`: the OTLP endpoint for the whole in-process pipeline. */
export function otlpFlag(args: readonly string[]): string | undefined {
  const { values } = parseArgs({ args: [...args], options: { otlp: { type: 'string' } }, strict: false });
  return typeof values.otlp === 'string' ? values.otlp : undefined;
}

export async function startProcessTelemetry(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined || !TRACED.has(command)) return;
  const otlp = command === 'dev' ? otlpFlag(args) : undefined;
  if (otlp !== undefined) env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp;
  if (!tracesConfigured(env) && !otlpMetricsConfigured(env)) return;
  const { startTelemetry } = await import('@eventpipe/core/telemetry');
  const instrumentations = SERVES_HTTP.has(command)
    ? (await import('@eventpipe/collector/instrumentation')).collectorInstrumentations()
    : [];
  const telemetry = startTelemetry({
    serviceName: `eventpipe-${command}`,
    env,
    instrumentations,
    scopeServices: command === 'dev' ? DEV_SERVICES : undefined,
  });
  // Once the command has finished and nothing else keeps the process alive: export the last spans.
  let flushed = false;
  process.on('beforeExit', () => {
    if (flushed) return;
    flushed = true;
    void telemetry.shutdown();
  });
}
