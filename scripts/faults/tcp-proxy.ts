// A TCP pass-through that can cut a service off from a server and reconnect it: the database
// "unreachable" for one system under test, while the shared stack PostgreSQL keeps serving
// every other suite. Cut = the port refuses connections and every open one is reset, which is
// what a client sees when its database host goes away.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** The URL with its host and port replaced by the proxy's. */
  route(url: string): string;
  /** Refuses new connections and resets the open ones, until `restore`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  function listen(onPort: number): Promise<void> {
    const next = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      open.add(client).add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      next.once('error', reject);
      next.listen(onPort, '127.0.0.1', () => {
        next.off('error', reject);
        const address = next.address();
        port = typeof address === 'object' && address !== null ? address.port : onPort;
        server = next;
        resolve();
      });
    });
  }

  async function close(): Promise<void> {
    const current = server;
    server = undefined;
    for (const socket of open) socket.resetAndDestroy();
    open.clear();
    if (current !== undefined) await new Promise<void>((done) => current.close(() => done()));
  }

  await listen(0);
  return {
    get port() {
      return port;
    },
    route(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut: close,
    restore: () => (server === undefined ? listen(port) : Promise.resolve()),
    stop: close,
  };
}
