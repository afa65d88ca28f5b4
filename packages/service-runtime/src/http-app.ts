import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import {
  Catch,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
  type LoggerService,
  type Type,
  type DynamicModule,
  type RawBodyRequest,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordHttpRoute, type Logger, type SagaMetrics } from '@order-saga/observability';
import { isAdminRoute } from './admin/admin-controller';
import { PublicAndAdminServers } from './admin/admin-listener';
import type { BaseConfig } from './config';
import { checkReadiness, type ReadinessCheck } from './health';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemBody } from './problem';
import { toProblem } from './problem-mapping';
import { RouteMethods } from './route-methods';
import { attachRequestContext, requestContext } from './request-context';

export interface HttpAppOptions {
  readonly module: Type<unknown> | DynamicModule;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  readonly readiness: () => readonly ReadinessCheck[];
  /** Largest accepted request body, in bytes. */
  readonly bodyLimitBytes?: number;
}

function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Logger,
  routes: RouteMethods,
  servers: PublicAndAdminServers,
): void {
  const mapped = toProblem(error);
  let { problem, unexpected } = mapped;
  const { outage } = mapped;
  if (problem.code === 'ROUTE.NOT_FOUND' && !servers.isAdminRequest(request.raw)) {
    // A known public path with another method: 405 and the methods it does answer. (With one
    // of those methods, the 404 is the port check's: a public route asked on the admin port.)
    const allowed = routes.allowed(request.url.split('?')[0] ?? request.url);
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      problem = new ProblemError(405, 'ROUTE.METHOD_NOT_ALLOWED', 'Method not allowed', {
        detail: `${request.method} is not allowed here; use ${allowed.join(', ')}`,
        cause: error,
      });
      unexpected = false;
      void reply.header('allow', allowed.join(', '));
    }
  }
  if (outage) {
    logger.warn(
      { err: error, correlationId: requestContext(request).correlationId },
      'http.dependency_unavailable',
    );
  } else if (unexpected) {
    logger.error(
      { err: error, correlationId: requestContext(request).correlationId },
      'http.unexpected_error',
    );
  }
  void reply
    .status(problem.status)
    .headers({ ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE })
    .send(problemBody(problem, request.url));
}

@Catch()
class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly routes: RouteMethods,
    private readonly servers: PublicAndAdminServers,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      error,
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      this.logger,
      this.routes,
      this.servers,
    );
  }
}

/** Nest's own messages (module init, route mapping) go through the service's pino logger. */
class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown): void {
    this.logger.debug({ detail: message }, 'nest.log');
  }
  error(message: unknown, trace?: string): void {
    this.logger.error({ detail: message, trace }, 'nest.error');
  }
  warn(message: unknown): void {
    this.logger.warn({ detail: message }, 'nest.warn');
  }
}

/**
 * Creates a NestJS application on Fastify with the behaviour every service shares: problem+json
 * errors, correlation and trace context per request, HTTP metrics, /health/live, /health/ready
 * and /metrics. Health and metrics are plain Fastify routes: they must answer even when the Nest
 * module graph misbehaves. Routes of @AdminController classes answer only on the admin listener
 * (see listenPublicAndAdmin); every other route only on the public one.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<INestApplication> {
  const { logger, metrics } = options;
  const servers = new PublicAndAdminServers();
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    logger: false,
    return503OnClosing: true,
    serverFactory: servers.factory((server) => {
      // Connections are reused by the services' HTTP clients; keep them longer than their pools.
      server.keepAliveTimeout = 65_000;
    }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module, adapter, {
    logger: new NestLogger(logger),
    // Nest would register its own JSON parser at init; ours (below) replaces Fastify's.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  servers.install(fastify);
  serversOf.set(app, servers);
  const started = new WeakMap<FastifyRequest, bigint>();
  const routes = new RouteMethods();
  // Operator routes stay out of it: a wrong method must not reveal them on the public port.
  fastify.addHook('onRoute', (route) => {
    if (!isAdminRoute(route.url)) routes.add(route.url, route.method);
  });

  fastify.addHook('onRequest', async (request, reply) => {
    started.set(request, process.hrtime.bigint());
    if (request.routeOptions.url !== undefined) recordHttpRoute(request.routeOptions.url);
    const context = attachRequestContext(request);
    void reply.header('x-correlation-id', context.correlationId);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const start = started.get(request);
    if (start === undefined) return;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    metrics.httpRequestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      },
      seconds,
    );
  });
  // Our own JSON parser, so a malformed or empty body gets a precise code (Nest would flatten
  // Fastify's parse errors to a bare 400). Fastify's parser still guards against prototype poisoning.
  // The bytes as received stay on the request as `rawBody` (Nest's RawBodyRequest): a signed
  // webhook is verified over them, never over a re-serialisation.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  // Fastify parses text/plain by default; this API takes JSON only, so text/plain gets 415 like
  // any other non-JSON type instead of reaching a handler as a string.
  fastify.removeContentTypeParser('text/plain');
  // A client still sending an oversized body would see its write fail (EPIPE) when the 413
  // closes the connection: read and discard the rest first, within bounds, so it reads the 413.
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 413) await discardBody(request.raw);
    return payload;
  });
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = typeof body === 'string' ? Buffer.from(body) : body;
    (request as RawBodyRequest<FastifyRequest>).rawBody = raw;
    const text = raw.toString('utf8');
    if (text === '') {
      done(new ProblemError(400, 'REQUEST.EMPTY_BODY', 'The request body is empty'), undefined);
      return;
    }
    void parseJson(request, text, (error, value) => {
      if (error === null) done(null, value);
      else
        done(
          new ProblemError(400, 'REQUEST.MALFORMED_JSON', 'The request body is not valid JSON', {
            detail: error.message,
            cause: error,
          }),
          undefined,
        );
    });
  });

  fastify.get('/health/live', (_request, reply) => reply.send({ status: 'ok' }));
  fastify.get('/health/ready', async (_request, reply) => {
    const report = await checkReadiness(options.readiness());
    return reply.status(report.status === 'unavailable' ? 503 : 200).send(report);
  });
  fastify.get('/metrics', async (_request, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.render());
  });

  app.useGlobalFilters(new ProblemFilter(logger, routes, servers));
  app.enableShutdownHooks();
  return app;
}

const serversOf = new WeakMap<INestApplication, PublicAndAdminServers>();

export interface ListenAddresses {
  readonly port: number;
  readonly host: string;
  readonly adminPort: number;
  readonly adminHost: string;
}

/** The four listening settings of the base config. */
export function listenAddresses(config: BaseConfig): ListenAddresses {
  return {
    port: config.PORT,
    host: config.HOST,
    adminPort: config.ADMIN_PORT,
    adminHost: config.ADMIN_HOST,
  };
}

/**
 * Starts both listeners of an app made by createHttpApp, the admin one first: once the public
 * port answers /health/ready, the admin port is open too. Resolves with the bound ports.
 */
export async function listenPublicAndAdmin(
  app: INestApplication,
  addresses: ListenAddresses,
): Promise<{ port: number; adminPort: number }> {
  const servers = serversOf.get(app);
  if (servers === undefined)
    throw new Error('listenPublicAndAdmin needs an app from createHttpApp');
  const adminPort = await servers.listenAdmin(addresses.adminPort, addresses.adminHost);
  await app.listen(addresses.port, addresses.host);
  return { port: servers.publicPort(), adminPort };
}

// Enough for any body a client might plausibly send by mistake; beyond it, or after this long,
// the connection is closed anyway (that is abuse, not a mistake).
const DISCARD_LIMIT_BYTES = 32 * 1024 * 1024;
const DISCARD_TIMEOUT_MS = 10_000;

/** Reads and drops what is left of a request body, bounded in size and time. */
function discardBody(raw: IncomingMessage): Promise<void> {
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let received = 0;
    const done = (): void => {
      clearTimeout(timer);
      raw.off('data', count);
      raw.off('end', done);
      raw.off('close', done);
      resolve();
    };
    const count = (chunk: Buffer | string): void => {
      received += chunk.length;
      if (received > DISCARD_LIMIT_BYTES) done();
    };
    const timer = setTimeout(done, DISCARD_TIMEOUT_MS);
    raw.on('data', count);
    raw.on('end', done);
    raw.on('close', done);
    raw.resume();
  });
}
