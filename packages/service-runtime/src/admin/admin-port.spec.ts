import { Controller, Get, Inject, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import { createHttpApp, listenPublicAndAdmin } from '../http-app';
import { ProblemError } from '../problem';
import { shellModule } from '../shell-module';
import { AdminController } from './admin-controller';

const GREETING = Symbol('greeting');

@Controller('things')
class ThingsController {
  constructor(@Inject(GREETING) private readonly greeting: string) {}
  @Get()
  list(): { greeting: string } {
    return { greeting: this.greeting };
  }
}

@AdminController('things')
class ThingsAdminController {
  constructor(@Inject(GREETING) private readonly greeting: string) {}
  @Get('status')
  status(): { greeting: string; admin: true } {
    return { greeting: this.greeting, admin: true };
  }
  @Post('explode')
  explode(): never {
    throw new ProblemError(409, 'PAYMENT.NOT_REFUNDABLE', 'Cannot explode twice');
  }
}

let app: INestApplication;
let publicUrl: string;
let adminUrl: string;

beforeAll(async () => {
  app = await createHttpApp({
    module: shellModule({
      controllers: [ThingsController],
      adminControllers: [ThingsAdminController],
      providers: [{ provide: GREETING, useValue: 'hello' }],
      shutdown: () => Promise.resolve(),
    }),
    logger: createLogger('admin-port-spec', 'silent'),
    metrics: new SagaMetrics('admin-port-spec'),
    readiness: () => [],
  });
  const bound = await listenPublicAndAdmin(app, {
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    adminHost: '127.0.0.1',
  });
  publicUrl = `http://127.0.0.1:${bound.port}`;
  adminUrl = `http://127.0.0.1:${bound.adminPort}`;
  expect(bound.adminPort).not.toBe(bound.port);
});

afterAll(async () => {
  await app?.close();
});

async function get(
  url: string,
  method = 'GET',
): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(url, { method });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: await response.json(),
  };
}

describe('the admin port', () => {
  it('serves admin controllers, sharing the providers of the public ones', async () => {
    const result = await get(`${adminUrl}/admin/things/status`);
    expect(result).toMatchObject({ status: 200, body: { greeting: 'hello', admin: true } });
  });

  it('answers an admin route on the public port exactly like an unknown route', async () => {
    const admin = await get(`${publicUrl}/admin/things/status`);
    const unknown = await get(`${publicUrl}/no/such/route`);
    expect(admin.status).toBe(404);
    expect(admin.type).toContain('application/problem+json');
    expect(admin.body).toMatchObject({ status: 404, code: 'ROUTE.NOT_FOUND' });
    expect(unknown.body).toMatchObject({ status: 404, code: 'ROUTE.NOT_FOUND' });
    // An operator POST does not run on the public port either.
    expect((await get(`${publicUrl}/admin/things/explode`, 'POST')).status).toBe(404);
  });

  it('does not serve the public routes, nor health and metrics', async () => {
    expect((await get(`${publicUrl}/things`)).status).toBe(200);
    for (const path of ['/things', '/health/ready', '/metrics']) {
      const result = await get(`${adminUrl}${path}`);
      expect(result).toMatchObject({ status: 404, body: { code: 'ROUTE.NOT_FOUND' } });
    }
  });

  it('maps errors to problem+json like the public port', async () => {
    const result = await get(`${adminUrl}/admin/things/explode`, 'POST');
    expect(result.status).toBe(409);
    expect(result.type).toContain('application/problem+json');
    expect(result.body).toMatchObject({
      code: 'PAYMENT.NOT_REFUNDABLE',
      title: 'Cannot explode twice',
      instance: '/admin/things/explode',
    });
  });

  it('refuses to boot with a controller registered on the wrong port', () => {
    const shutdown = (): Promise<void> => Promise.resolve();
    expect(() => shellModule({ controllers: [ThingsAdminController], shutdown })).toThrow(
      /ThingsAdminController is an @AdminController/,
    );
    expect(() => shellModule({ adminControllers: [ThingsController], shutdown })).toThrow(
      /ThingsController is in adminControllers without @AdminController/,
    );
  });
});
