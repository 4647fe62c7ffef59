/**
 * Timeouts that keep slow clients (slowloris, stalled mobile uploads) from holding sockets open:
 * fastify's defaults switch Node's request timeout off, and Node checks the header and request
 * deadlines only every 30 s, so a socket trickling one header byte at a time could stay forever.
 */
import type { Config } from '@eventpipe/core';

type Timeouts = Pick<Config['collector'], 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>;

/** The fastify server options for the collector's timeouts. */
export function serverTimeouts(collector: Timeouts) {
  // Node refuses a header deadline later than the request's, which covers the headers too.
  const headersTimeout = Math.min(collector.headersTimeoutMs, collector.requestTimeoutMs);
  return {
    requestTimeout: collector.requestTimeoutMs,
    keepAliveTimeout: collector.keepAliveTimeoutMs,
    http: {
      headersTimeout,
      // How late a deadline may be enforced: a quarter of the shorter one, at most a second. Each
      // check walks the open connections, which costs little next to the requests they carry.
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(headersTimeout / 4)),
    },
  };
}
