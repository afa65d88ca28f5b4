import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BreakerOpenError,
  SharedCircuitBreaker,
  breakerPolicy,
  retryPolicy,
} from '@order-saga/resilience';
import { ProviderCalls } from '../../services/payments-adapter/src/payments/application/provider-calls.ts';
import {
  PaymentProviderClient,
  ProviderUnavailableError,
} from '../../services/payments-adapter/src/payments/infrastructure/payment-provider.client.ts';
import { PaymentRepository } from '../../services/payments-adapter/src/payments/infrastructure/payment.repository.ts';
import { migratePaymentsSchema } from './support/payments-schema.ts';
import { scratch, type Scratch } from './support/scratch.ts';

// The adapter's in-call retries against a real HTTP stand-in whose answers each test scripts,
// recorded in a real payments database: what is retried, what never is, and what the breaker
// refuses without calling.

let s: Scratch;
let server: Server;
let script: Array<{ status: number; body: string }> = [];
let received = 0;
const payments = new PaymentRepository();
let client: PaymentProviderClient;
let breaker: SharedCircuitBreaker;
let calls: ProviderCalls;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      const next = script.shift() ?? { status: 503, body: '{}' };
      response.writeHead(next.status, { 'content-type': 'application/json' });
      response.end(next.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  s = await scratch('provider_calls');
  await migratePaymentsSchema(s);
  client = new PaymentProviderClient(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    1_000,
  );
  breaker = new SharedCircuitBreaker({
    name: 'payment-provider',
    // A high volume threshold: these tests look at retries, not at the breaker tripping.
    policy: breakerPolicy({
      errorThresholdPercentage: 50,
      volumeThreshold: 1_000,
      windowMs: 10_000,
      resetTimeoutMs: 5_000,
    }),
    isFailure: (error) => error instanceof ProviderUnavailableError,
    logger: s.logger,
    metrics: s.metrics,
  });
  calls = new ProviderCalls(
    s.db,
    payments,
    breaker,
    {
      retry: retryPolicy({
        baseMs: 5,
        capMs: 20,
        attempts: 3,
        jitter: 'full',
        whenExhausted: 'fail',
      }),
      budgetMs: 2_000,
    },
    s.logger,
    s.metrics,
  );
});

afterAll(async () => {
  server.close();
  await breaker?.stop();
  await s?.dispose();
});

async function newPayment(): Promise<string> {
  const orderId = randomUUID();
  const { payment } = await s.db.transaction((tx) =>
    payments.createPending(tx, {
      orderId,
      amount: 1200,
      currency: 'EUR',
      paymentMethod: 'pm_card_visa',
      items: [],
      requestedBy: { messageId: null, correlationId: null, traceparent: null, tracestate: null },
    }),
  );
  return payment.id;
}

async function outcomes(paymentId: string): Promise<string[]> {
  const rows: Array<{ outcome: string }> = await s.db.query(
    'SELECT outcome FROM payment_attempts WHERE payment_id = $1 ORDER BY id',
    [paymentId],
  );
  return rows.map((row) => row.outcome);
}

async function counter(name: string): Promise<number> {
  const metric = await s.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

function authorize(paymentId: string) {
  return calls.run(
    { paymentId, operation: 'authorize', previousAttempts: 0 },
    () =>
      client.authorize(
        {
          idempotencyKey: `k-${paymentId}`,
          reference: paymentId,
          amount: 1200,
          currency: 'EUR',
          paymentMethod: 'pm_card_visa',
        },
        { correlationId: 'c' },
      ),
    (result) => result.kind,
  );
}

const approved = { status: 201, body: '{"id":"pay_1","status":"approved","declineCode":null}' };

describe('in-call retries of a provider call', () => {
  it('retries no answer and 5xx in the call, each try recorded and counted', async () => {
    const id = await newPayment();
    script = [{ status: 503, body: '{}' }, { status: 502, body: '{}' }, approved];
    const retriesBefore = await counter('payment_retries_total');
    const { result, attempts } = await authorize(id);
    expect(result).toEqual({ kind: 'approved', providerPaymentId: 'pay_1' });
    expect(attempts).toBe(3);
    expect(await outcomes(id)).toEqual(['unavailable', 'unavailable', 'approved']);
    expect((await counter('payment_retries_total')) - retriesBefore).toBe(2);
  });

  it('never retries a decline or a 4xx', async () => {
    const declined = await newPayment();
    script = [{ status: 201, body: '{"id":"pay_2","status":"declined","declineCode":"no"}' }];
    const before = received;
    await expect(authorize(declined)).resolves.toMatchObject({
      result: { kind: 'declined' },
      attempts: 1,
    });
    const rejected = await newPayment();
    script = [{ status: 409, body: '{"code":"IDEMPOTENCY.KEY_REUSED"}' }];
    await expect(authorize(rejected)).rejects.toMatchObject({ code: 'PROVIDER.REJECTED' });
    expect(received - before).toBe(2);
    expect(await outcomes(rejected)).toEqual(['rejected']);
  });

  it('hands the last ProviderUnavailableError to the consumer once its attempts are spent', async () => {
    const id = await newPayment();
    script = [];
    const before = received;
    await expect(authorize(id)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(received - before).toBe(3);
    expect(await outcomes(id)).toEqual(['unavailable', 'unavailable', 'unavailable']);
  });

  it('makes no call and records nothing while the breaker is open', async () => {
    const id = await newPayment();
    breaker.holdOpen('test: provider not ready');
    const before = received;
    await expect(authorize(id)).rejects.toBeInstanceOf(BreakerOpenError);
    expect(received).toBe(before);
    expect(await outcomes(id)).toEqual([]);
    breaker.release();
    script = [approved];
    await expect(authorize(id)).resolves.toMatchObject({ result: { kind: 'approved' } });
    expect(breaker.snapshot().state).toBe('closed');
  });
});
