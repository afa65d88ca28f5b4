import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelope } from '@order-saga/contracts';
import { InboxTransactions } from '@order-saga/inbox';
import { OutboxWriter } from '@order-saga/outbox';
import { SharedCircuitBreaker, breakerPolicy, retryPolicy } from '@order-saga/resilience';
import { ProviderCalls } from '../../services/payments-adapter/src/payments/application/provider-calls.ts';
import {
  RefundPaymentHandler,
  RefundRefusedError,
} from '../../services/payments-adapter/src/payments/application/refund-payment.handler.ts';
import { RetryRefundHandler } from '../../services/payments-adapter/src/payments/application/retry-refund.handler.ts';
import { PaymentProviderClient } from '../../services/payments-adapter/src/payments/infrastructure/payment-provider.client.ts';
import { PaymentRepository } from '../../services/payments-adapter/src/payments/infrastructure/payment.repository.ts';
import { migratePaymentsSchema } from './support/payments-schema.ts';
import { scratch, type Scratch } from './support/scratch.ts';

/**
 * A provider stand-in whose refunds are refused until told otherwise: the real simulator's
 * pm_card_refund_fails refuses forever, which cannot show an operator's retry succeeding.
 */
function provider(): {
  server: Server;
  refuse: { now: boolean };
  calls: string[];
  url: () => string;
} {
  const refuse = { now: true };
  const calls: string[] = [];
  const server = createServer((request, response) => {
    calls.push(`${request.method} ${request.url} ${String(request.headers['idempotency-key'])}`);
    request.resume();
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (refuse.now) {
        response.statusCode = 402;
        response.end(JSON.stringify({ code: 'REFUND.REFUSED', detail: 'the issuer said no' }));
      } else {
        response.statusCode = 201;
        response.end(JSON.stringify({ id: 're_retried' }));
      }
    });
  });
  return {
    server,
    refuse,
    calls,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

let s: Scratch;
const sim = provider();
const payments = new PaymentRepository();
const orderId = randomUUID();
let refunds: RefundPaymentHandler;
let retries: RetryRefundHandler;

beforeAll(async () => {
  await new Promise<void>((done) => sim.server.listen(0, '127.0.0.1', done));
  s = await scratch('refund_retry');
  await migratePaymentsSchema(s);
  await s.db.query(
    `INSERT INTO payments (id, order_id, amount, currency, payment_method, items, status, provider_payment_id)
     VALUES ($1, $2, 1500, 'EUR', 'pm_card_visa', '[]', 'CONFIRMED', 'pay_1')`,
    [randomUUID(), orderId],
  );
  const client = new PaymentProviderClient(sim.url(), 2_000);
  // A breaker of its own (no Redis) and one try per call: this suite is about the refusal budget.
  const breaker = new SharedCircuitBreaker({
    name: 'payment-provider',
    policy: breakerPolicy({
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      windowMs: 10_000,
      resetTimeoutMs: 5_000,
    }),
    isFailure: () => false,
    logger: s.logger,
    metrics: s.metrics,
  });
  const once = retryPolicy({
    baseMs: 1,
    capMs: 1,
    attempts: 1,
    jitter: 'none',
    whenExhausted: 'fail',
  });
  const calls = new ProviderCalls(
    s.db,
    payments,
    breaker,
    { retry: once, budgetMs: 0 },
    s.logger,
    s.metrics,
  );
  const outbox = new OutboxWriter();
  const inbox = new InboxTransactions(s.db, outbox, 'payments-adapter.saga', s.metrics);
  refunds = new RefundPaymentHandler(
    {
      db: s.db,
      inbox,
      payments,
      outbox,
      logger: s.logger,
      metrics: s.metrics,
      provider: client,
      calls,
    },
    2,
  );
  retries = new RetryRefundHandler(s.db, payments, refunds, s.logger, s.metrics);
});

afterAll(async () => {
  sim.server.close();
  await s?.dispose();
});

async function outboxTypes(): Promise<string[]> {
  const rows: Array<{ message_type: string }> = await s.db.query(
    'SELECT message_type FROM outbox WHERE message_key = $1 ORDER BY id',
    [orderId],
  );
  return rows.map((row) => row.message_type);
}

const delivery = { topic: 't', partition: 0, offset: '0', attempt: 1 };

describe('a refund that gives up, and an operator who retries it', () => {
  const command = createEnvelope(
    'RefundPayment',
    orderId,
    { orderId, reason: 'OUT_OF_STOCK' },
    { source: 'test', correlationId: 'corr-retry', causationId: null, traceparent: null },
  );

  it('is retried within its budget, then gives up with PaymentRefundFailed', async () => {
    await expect(refunds.handle(command, orderId, 'OUT_OF_STOCK', delivery)).rejects.toBeInstanceOf(
      RefundRefusedError,
    );
    // The consumer's redelivery: the second refusal spends the budget of two.
    await refunds.handle(command, orderId, 'OUT_OF_STOCK', delivery);
    const payment = await payments.findByOrder(s.db, orderId);
    expect(payment).toMatchObject({
      status: 'REFUND_FAILED',
      refundReason: 'OUT_OF_STOCK',
      refundContext: { correlationId: 'corr-retry' },
    });
    expect(payment?.refundError).toMatch(/^REFUND\.REFUSED/);
    expect(await outboxTypes()).toEqual(['payments.payment-refund-failed.v1']);
    expect((await payments.failedRefunds(s.db)).map((f) => f.orderId)).toEqual([orderId]);
    // A redelivery after giving up calls nobody.
    await refunds.handle(command, orderId, 'OUT_OF_STOCK', delivery);
    expect(sim.calls).toHaveLength(2);
  });

  it('refused again: changes nothing but the attempt count', async () => {
    expect(await retries.retry(orderId)).toEqual({
      outcome: 'refused',
      detail: 'REFUND.REFUSED: the issuer said no',
    });
    expect((await payments.findByOrder(s.db, orderId))?.status).toBe('REFUND_FAILED');
    expect(await payments.refusedRefunds(s.db, await paymentId())).toBe(3);
    expect(await outboxTypes()).toEqual(['payments.payment-refund-failed.v1']);
  });

  it('accepted: the payment is refunded once and PaymentRefunded ends the compensation', async () => {
    sim.refuse.now = false;
    expect(await retries.retry(orderId)).toEqual({
      outcome: 'refunded',
      providerRefundId: 're_retried',
    });
    expect(await payments.findByOrder(s.db, orderId)).toMatchObject({
      status: 'REFUNDED',
      refundError: null,
    });
    expect(await outboxTypes()).toEqual([
      'payments.payment-refund-failed.v1',
      'payments.payment-refunded.v1',
    ]);
    const [refunded] = await s.db.query<
      Array<{ payload: unknown; headers: Record<string, string> }>
    >(`SELECT payload, headers FROM outbox WHERE message_type = 'payments.payment-refunded.v1'`);
    const payload: unknown =
      typeof refunded?.payload === 'string' ? JSON.parse(refunded.payload) : refunded?.payload;
    expect(payload).toMatchObject({
      orderId,
      reason: 'OUT_OF_STOCK',
      providerRefundId: 're_retried',
    });
    // It rejoins the saga's correlation.
    expect(refunded?.headers['correlation-id']).toBe('corr-retry');
    // Every call carried the same idempotency key: the provider can never refund twice.
    expect(new Set(sim.calls.map((c) => c.split(' ')[2]))).toEqual(
      new Set([`order:${orderId}:refund`]),
    );

    // Once more: nothing to retry, nothing called.
    expect(await retries.retry(orderId)).toEqual({ outcome: 'not-failed', status: 'REFUNDED' });
    expect(sim.calls).toHaveLength(4);
    expect(await retries.retry(randomUUID())).toEqual({ outcome: 'not-found' });
  });
});

async function paymentId(): Promise<string> {
  const payment = await payments.findByOrder(s.db, orderId);
  return payment?.id ?? '';
}
