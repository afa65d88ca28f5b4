// Child process: the framework floor. The same stack as the services (NestJS on Fastify through
// @order-saga/service-runtime's createHttpApp: request context, problem+json filter, metrics
// hooks, our JSON parser) with one controller route that does nothing but answer 201.
// Decorators are applied as plain calls: Node's type stripping does not transform decorator syntax.
import 'reflect-metadata';
import type { Server } from 'node:http';
import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import { createHttpApp, shellModule } from '@order-saga/service-runtime';

class NoopController {
  create(body: unknown, reply: FastifyReply): { id: string; received: boolean } {
    void reply.header('location', '/noop/0');
    return { id: '00000000-0000-4000-8000-000000000000', received: body !== undefined };
  }
}

const method = Object.getOwnPropertyDescriptor(NoopController.prototype, 'create');
if (method === undefined) throw new Error('NoopController.create is missing');
Body()(NoopController.prototype, 'create', 0);
Res({ passthrough: true })(NoopController.prototype, 'create', 1);
Post()(NoopController.prototype, 'create', method);
HttpCode(201)(NoopController.prototype, 'create', method);
Controller('noop')(NoopController);

const logger = createLogger('bench-noop', 'warn');
const app = await createHttpApp({
  module: shellModule({ controllers: [NoopController], shutdown: () => Promise.resolve() }),
  logger,
  metrics: new SagaMetrics('bench-noop'),
  readiness: () => [],
});
await app.listen(0, '127.0.0.1');
const address = (app.getHttpServer() as Server).address();
const port =
  typeof address === 'object' && address !== null && 'port' in address ? Number(address.port) : 0;
process.send?.({ kind: 'listening', port });
process.on('message', (message: { kind: string }) => {
  if (message.kind === 'exit') void app.close().finally(() => process.disconnect());
});
