/** Starting and stopping the small HTTP servers of probes and scrapers, the same way for each. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  /** The port it listens on (the one chosen by the system when asked for 0). */
  port: number;
  /** Stops listening and drops open connections, so a scraper's keep-alive cannot hold up shutdown. */
  close(): Promise<void>;
}

export async function listen(server: Server, host: string, port: number): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
