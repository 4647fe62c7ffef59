/**
 * Loopback ports for the dev servers: the remembered ones when still free (stable URLs across
 * restarts), fresh free ones otherwise (a system NATS or PostgreSQL on its standard port, or another
 * `eventpipe dev`, never conflicts).
 */
import { createServer } from 'node:net';
import { freePort } from '@eventpipe/local';
import type { DevPorts } from './state.js';

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function reuseOrPick(remembered: number | undefined, taken: Set<number>): Promise<number> {
  if (remembered !== undefined && !taken.has(remembered) && (await isPortFree(remembered))) return remembered;
  let port = await freePort();
  while (taken.has(port)) port = await freePort();
  return port;
}

export async function choosePorts(remembered: Partial<DevPorts> = {}): Promise<DevPorts> {
  const taken = new Set<number>();
  const pick = async (key: keyof DevPorts) => {
    const port = await reuseOrPick(remembered[key], taken);
    taken.add(port);
    return port;
  };
  return {
    nats: await pick('nats'),
    postgres: await pick('postgres'),
    s3: await pick('s3'),
    console: await pick('console'),
  };
}
