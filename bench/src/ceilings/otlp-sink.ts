/**
 * A receiver for the traced collector run: accepts every OTLP/HTTP export and drops it, so the
 * measurement includes the collector's cost of recording and exporting spans but no backend's.
 * Run as a child process: `node otlp-sink.js <port>`.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
}).listen(port, '127.0.0.1');
