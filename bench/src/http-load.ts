/**
 * HTTP load with autocannon from this process. The load generator shares the 2 cores with the system
 * under test, so its own CPU share is measured and reported: a high share means the numbers are
 * bounded by the generator, not by eventpipe.
 */
import autocannon from 'autocannon';

export interface HttpLoadOptions {
  url: string;
  headers: Record<string, string>;
  /** A new body per request, so message ids stay unique (JetStream would dedup repeats). */
  body: () => string;
  connections: number;
  durationSeconds: number;
  /** Requests per second across all connections; default: as fast as possible. */
  rate?: number;
}

export interface HttpLoadResult {
  requestsPerSecond: number;
  requests: number;
  /** Requests answered 2xx: for the collector, their events are stored. */
  ok: number;
  non2xx: number;
  errors: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Fraction of one core... of all cores: 0.5 means the generator used half the machine. */
  loadGeneratorCpuShare: number;
}

export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.rate ? { overallRate: options.rate } : {}),
    headers: options.headers,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => ({ ...request, body: options.body() }),
      },
    ],
  });
  const wallMicros = Number(process.hrtime.bigint() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const { availableParallelism } = await import('node:os');
  return {
    requestsPerSecond: result.requests.total / result.duration,
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    loadGeneratorCpuShare: (cpu.user + cpu.system) / wallMicros / availableParallelism(),
  };
}
