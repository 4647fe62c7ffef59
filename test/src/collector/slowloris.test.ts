/**
 * Slow clients: sockets that trickle their headers (or their body) byte by byte, or say nothing at
 * all, are closed once `headersTimeoutMs` (or `requestTimeoutMs`) has passed, and while they hang
 * on, other clients are answered as promptly as ever. Loopback only, bounded in sockets and time.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHarness } from './harness.js';

const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const KEEP_ALIVE_TIMEOUT_MS = 500;
const SLOW_SOCKETS = 150;
const TRICKLE_MS = 100;

interface SlowSocket {
  closedAt: Promise<number>;
  stop(): void;
}

/** A socket that writes `head` at once, then one byte of `trickle` every TRICKLE_MS, forever. */
function slowSocket(url: URL, head: string, trickle: string): SlowSocket {
  const socket = net.connect(Number(url.port), url.hostname);
  socket.on('error', () => {});
  socket.on('data', () => {});
  let timer: NodeJS.Timeout | undefined;
  socket.on('connect', () => {
    if (head) socket.write(head);
    if (!trickle) return;
    let i = 0;
    timer = setInterval(() => socket.write(trickle[i++ % trickle.length]!), TRICKLE_MS);
  });
  const closedAt = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now());
    }),
  );
  return { closedAt, stop: () => socket.destroy() };
}

test('slowloris: trickling sockets are closed by the timeouts; others are answered promptly', async () => {
  const harness = await startHarness({
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
  });
  const url = new URL(harness.collector.url);

  // Warm up (first-request compilation, the NATS inbox), so the figure below measures the sockets.
  assert.equal((await harness.post('/v1/track', { type: 'track', userId: 'u', event: 'E' })).status, 200);

  const started = Date.now();
  const slowHeaders = Array.from({ length: SLOW_SOCKETS }, () =>
    slowSocket(url, 'POST /v1/track HTTP/1.1\r\nHost: x\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaa'),
  );
  const silent = slowSocket(url, '', '');
  const slowBody = slowSocket(
    url,
    'POST /v1/track HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n',
    ' ',
  );
  // Idle after one complete request on a keep-alive connection.
  const idle = slowSocket(url, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n', '');
  const all = [...slowHeaders, silent, slowBody, idle];
  // Stopped before the collector closes, which waits for requests in progress.
  after(async () => {
    all.forEach((s) => s.stop());
    await harness.close();
  });

  // While they hang on, a well-behaved client gets every answer, each well before the slow sockets
  // are closed (so not because they were); the bound is loose for a loaded 2-core CI machine.
  let slowest = 0;
  for (let i = 0; i < 20; i++) {
    const t = Date.now();
    const answer = await harness.post('/v1/track', { type: 'track', userId: 'u', event: 'E' });
    assert.equal(answer.status, 200);
    slowest = Math.max(slowest, Date.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(
    slowest < HEADERS_TIMEOUT_MS,
    `a request took ${slowest} ms next to ${SLOW_SOCKETS} slow sockets`,
  );

  const bound = (ms: number) => ms + 1_500;
  const within = (socket: SlowSocket, ms: number) =>
    Promise.race([
      socket.closedAt.then((at) => at - started),
      new Promise<number>((resolve) =>
        setTimeout(() => resolve(Infinity), bound(ms) - (Date.now() - started)),
      ),
    ]);
  const headerCloses = await Promise.all([...slowHeaders, silent].map((s) => within(s, HEADERS_TIMEOUT_MS)));
  const open = headerCloses.filter((ms) => ms === Infinity).length;
  assert.equal(open, 0, `${open} sockets trickling headers still open after ${bound(HEADERS_TIMEOUT_MS)} ms`);
  const idleClosed = await within(idle, KEEP_ALIVE_TIMEOUT_MS);
  assert.ok(
    idleClosed !== Infinity,
    `the idle keep-alive socket still open after ${bound(KEEP_ALIVE_TIMEOUT_MS)} ms`,
  );
  const bodyClosed = await within(slowBody, REQUEST_TIMEOUT_MS);
  assert.ok(
    bodyClosed !== Infinity,
    `the socket trickling its body still open after ${bound(REQUEST_TIMEOUT_MS)} ms`,
  );
});
