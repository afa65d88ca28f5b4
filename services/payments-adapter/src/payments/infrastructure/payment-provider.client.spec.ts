import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError } from '@order-saga/messaging';
import { PaymentProviderClient, ProviderUnavailableError } from './payment-provider.client';

// A real HTTP server standing in for the provider, answering what each test sets: the client's
// reading of the provider's answers, malformed ones included, over a real socket.
let answer: { status: number; body: string } = { status: 201, body: '{}' };
let server: Server;
let client: PaymentProviderClient;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  client = new PaymentProviderClient(`http://127.0.0.1:${port}`, 1_000);
});

afterAll(() => {
  server.close();
});

const charge = () =>
  client.authorize(
    { idempotencyKey: 'k', reference: 'r', amount: 100, currency: 'EUR', paymentMethod: 'pm' },
    { correlationId: 'c' },
  );

describe('PaymentProviderClient reads the provider through its schemas', () => {
  it('maps approved, declined and pending answers', async () => {
    answer = { status: 201, body: '{"id":"pay_1","status":"approved","declineCode":null}' };
    await expect(charge()).resolves.toEqual({ kind: 'approved', providerPaymentId: 'pay_1' });
    answer = {
      status: 201,
      body: '{"id":"pay_2","status":"declined","declineCode":"card_declined","extra":1}',
    };
    await expect(charge()).resolves.toEqual({ kind: 'declined', declineCode: 'card_declined' });
    answer = { status: 202, body: '{"id":"pay_3","status":"pending"}' };
    await expect(charge()).resolves.toEqual({ kind: 'pending', providerPaymentId: 'pay_3' });
  });

  it('calls a 2xx it cannot read a malformed answer, terminal, naming what is wrong', async () => {
    answer = { status: 201, body: '{"id":"pay_1","status":"maybe"}' };
    const wrongStatus = await charge().catch((error: unknown) => error);
    expect(wrongStatus).toBeInstanceOf(TerminalError);
    expect(wrongStatus).toMatchObject({ code: 'PROVIDER.MALFORMED_RESPONSE' });
    expect(String((wrongStatus as Error).message)).toContain('status');
    answer = { status: 200, body: '<html>bad gateway</html>' };
    await expect(charge()).rejects.toMatchObject({
      code: 'PROVIDER.MALFORMED_RESPONSE',
      message: expect.stringContaining('not JSON') as unknown,
    });
  });

  it('reads a 422 problem, even one without the fields it hopes for', async () => {
    answer = {
      status: 422,
      body: '{"code":"PAYMENT_METHOD.UNKNOWN","title":"Unknown payment method"}',
    };
    await expect(charge()).resolves.toMatchObject({
      kind: 'rejected',
      reason: 'INVALID_PAYMENT_METHOD',
    });
    answer = { status: 422, body: 'nope' };
    await expect(charge()).resolves.toMatchObject({ kind: 'rejected', reason: 'PROVIDER_ERROR' });
  });

  it('treats a 5xx as unavailable (retryable) and a refund answer without an id as malformed', async () => {
    answer = { status: 503, body: '{}' };
    await expect(charge()).rejects.toBeInstanceOf(ProviderUnavailableError);
    answer = { status: 201, body: '{"status":"succeeded"}' };
    await expect(client.refund('pay_1', 'k', { correlationId: 'c' })).rejects.toMatchObject({
      code: 'PROVIDER.MALFORMED_RESPONSE',
    });
  });
});
