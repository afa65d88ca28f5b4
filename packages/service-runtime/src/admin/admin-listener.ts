import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { isAdminRoute } from './admin-controller';

/**
 * One Fastify application, two HTTP servers: the public one and the admin one share the route
 * table, the hooks and the error handling (problem+json, correlation ids, metrics), and differ
 * only in which routes they answer. Fastify's `serverFactory` hands us its request handler; the
 * admin server is a second `http.Server` around the same handler whose requests are marked, and
 * an `onRequest` hook answers 404 whenever a request's port and its route's side disagree.
 */
export class PublicAndAdminServers {
  private readonly adminRequests = new WeakSet<IncomingMessage>();
  private main: Server | undefined;
  private admin: Server | undefined;

  /** Pass as FastifyAdapter's `serverFactory`; `tune` applies what Fastify would set itself. */
  factory(tune: (server: Server) => void): (handler: RequestListener) => Server {
    return (handler) => {
      const main = createServer(handler);
      tune(main);
      this.main = main;
      this.admin = createServer((request, response) => {
        this.adminRequests.add(request);
        handler(request, response);
      });
      return main;
    };
  }

  /** Whether a request came in on the admin listener. */
  isAdminRequest(request: IncomingMessage): boolean {
    return this.adminRequests.has(request);
  }

  /** Registers the port check and closes the admin server with the application. */
  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      if (request.is404) return; // unknown on either port: the ordinary 404
      const viaAdmin = this.adminRequests.has(request.raw);
      if (viaAdmin === isAdminRoute(request.routeOptions.url)) return;
      // Indistinguishable from an unknown route: the public port does not reveal operator paths.
      reply.callNotFound();
      return reply;
    });
    fastify.addHook('onClose', async () => {
      const admin = this.admin;
      if (admin?.listening !== true) return;
      await new Promise<void>((resolve) => {
        admin.close(() => resolve());
        admin.closeIdleConnections();
      });
    });
  }

  /** The port the public server bound, once it listens. */
  publicPort(): number {
    return (this.main?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Starts the admin server; resolves with the port it bound (useful when asked for port 0). */
  async listenAdmin(port: number, host: string): Promise<number> {
    const admin = this.admin;
    if (admin === undefined) throw new Error('the admin server is created with the application');
    await new Promise<void>((resolve, reject) => {
      admin.once('error', reject);
      admin.listen(port, host, () => {
        admin.off('error', reject);
        resolve();
      });
    });
    return (admin.address() as AddressInfo).port;
  }
}
