import 'reflect-metadata';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import { createHttpApp, shellModule } from '@order-saga/service-runtime';

// The HTTP shell every service runs in, on a real socket: what a client sees for the requests
// a newcomer gets wrong first. Decorators are applied as calls (esbuild emits no metadata).
class EchoController {
  create(body: unknown): { received: unknown } {
    return { received: body };
  }
}
const create = Object.getOwnPropertyDescriptor(EchoController.prototype, 'create');
if (create === undefined) throw new Error('EchoController.create is missing');
Body()(EchoController.prototype, 'create', 0);
Post()(EchoController.prototype, 'create', create);
HttpCode(201)(EchoController.prototype, 'create', create);
Controller('echo')(EchoController);

const LIMIT = 16 * 1024;
let app: INestApplication;
let port: number;

beforeAll(async () => {
  app = await createHttpApp({
    module: shellModule({ controllers: [EchoController], shutdown: () => Promise.resolve() }),
    logger: createLogger('http-shell-test', 'silent'),
    metrics: new SagaMetrics('http-shell-test'),
    readiness: () => [],
    bodyLimitBytes: LIMIT,
  });
  await app.listen(0, '127.0.0.1');
  port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { code?: string };
  /** A client-side error while sending (EPIPE, ECONNRESET), if any. */
  sendError?: string;
}

/** A plain node:http request, which reports a broken pipe where fetch would hide it. */
function send(
  method: string,
  path: string,
  body?: string | Buffer,
  type = 'application/json',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sendError: string | undefined;
    let text = '';
    let answered: IncomingMessage | undefined;
    const req = httpRequest(
      {
        port,
        host: '127.0.0.1',
        method,
        path,
        headers:
          body === undefined
            ? {}
            : { 'content-type': type, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => (answered = res));
      },
    );
    // Settled when the request is closed, so a write error after the response is still seen.
    req.on('close', () => {
      if (answered === undefined) {
        reject(new Error(`no answer (${sendError ?? 'closed'})`));
        return;
      }
      resolve({
        status: answered.statusCode ?? 0,
        headers: answered.headers,
        body: text === '' ? {} : (JSON.parse(text) as { code?: string }),
        ...(sendError === undefined ? {} : { sendError }),
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      sendError = error.code ?? error.message;
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.end(body);
  });
}

describe('the HTTP shell', () => {
  it('accepts JSON', async () => {
    const answer = await send('POST', '/echo', '{"a":1}');
    expect(answer.status).toBe(201);
  });

  it('answers text/plain with 415 like any other non-JSON type', async () => {
    const answer = await send('POST', '/echo', 'hello', 'text/plain');
    expect(answer.status).toBe(415);
    expect(answer.body.code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a wrong method on a known route with 405 and Allow', async () => {
    const answer = await send('DELETE', '/echo');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.body.code).toBe('ROUTE.METHOD_NOT_ALLOWED');
    expect((await send('PUT', '/health/live')).headers.allow).toBe('GET, HEAD');
  });

  it('still answers an unknown route with 404', async () => {
    const answer = await send('GET', '/nowhere');
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('ROUTE.NOT_FOUND');
  });

  it('answers an oversized body with 413, and the client finishes sending it (no broken pipe)', async () => {
    const answer = await send('POST', '/echo', Buffer.alloc(4 * 1024 * 1024, 'a'));
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('REQUEST.BODY_TOO_LARGE');
    expect(answer.sendError).toBeUndefined();
  });
});
