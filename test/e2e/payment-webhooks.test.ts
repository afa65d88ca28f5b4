import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MESSAGES,
  SIGNATURE_HEADER,
  TOPICS,
  signWebhook,
  type PaymentWebhookEvent,
} from '@order-saga/contracts';
import {
  getOrder,
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
  type OrderView,
} from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { waitForTrace } from '../../scripts/system/traces.ts';
import { sagaLogs } from '../support/saga-logs.ts';
import { metricSum } from '../support/service-metrics.ts';
import { readTopics } from '../support/topic-reader.ts';

const SKU = 'SKU-WEBHOOK';
const SKU_SOLD_OUT = 'SKU-WEBHOOK-SOLD-OUT';
const now = (): number => Math.floor(Date.now() / 1000);

interface Delivery {
  readonly status: number;
  readonly body: { code?: string; outcome?: string };
}

async function tune(system: SagaSystem, patch: Record<string, unknown>): Promise<void> {
  const result = await http(`${system.providerAdminUrl}/admin/provider`, {
    method: 'PATCH',
    body: JSON.stringify(patch),
  });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
}

/** The saga facts about one order that reached payments.events. */
async function paymentFacts(system: SagaSystem, orderId: string): Promise<string[]> {
  const messages = await readTopics(system.brokers, [
    `${system.topicPrefix}${TOPICS.paymentsEvents}`,
  ]);
  return messages.filter((m) => m.key === orderId).map((m) => m.headers['ce_type'] ?? '?');
}

describe('POST /payments/callback: signed, replay-safe asynchronous results', () => {
  let system: SagaSystem;
  let payments: Client;
  let callbackUrl: string;

  beforeAll(async () => {
    system = await startSagaSystem('webhooks');
    await setStock(system.fulfillmentUrl, SKU, 100);
    payments = new Client({ connectionString: system.databases.payments });
    await payments.connect();
    callbackUrl = `${system.services['payments-adapter'].url}/payments/callback`;
  });

  afterAll(async () => {
    await payments?.end();
    await system?.stop();
  });

  function deliver(raw: string, signature: string | undefined): Promise<Delivery> {
    return http(callbackUrl, {
      method: 'POST',
      body: raw,
      headers: signature === undefined ? {} : { [SIGNATURE_HEADER]: signature },
    });
  }

  async function sideEffects(orderId: string): Promise<Record<string, unknown>> {
    const { rows } = await payments.query<{ status: string; inbox: string; signatures: string }>(
      `SELECT (SELECT status FROM payments WHERE order_id = $1) AS status,
              (SELECT count(*) FROM inbox WHERE consumer = 'payments-adapter.webhooks') AS inbox,
              (SELECT count(*) FROM webhook_signatures) AS signatures`,
      [orderId],
    );
    return { ...rows[0], order: (await getOrder(system.ordersUrl, orderId)).body.status };
  }

  it('refuses forged, tampered, stale and replayed calls with 401, changing nothing; applies a valid one once', async () => {
    // Asynchronous, with the simulator's own webhooks far in the future: only ours arrive.
    await tune(system, { async: { enabled: true, delayMs: 600_000 } });
    const created = await postOrder(
      system.ordersUrl,
      orderBody({ items: [{ sku: SKU, quantity: 1, unitPrice: 2500 }] }),
    );
    expect(created.status).toBe(201);
    const orderId = created.body.id;
    const providerPaymentId = await waitFor(
      'the adapter to record the accepted charge',
      async () => {
        const { rows } = await payments.query<{ provider_payment_id: string | null }>(
          'SELECT provider_payment_id FROM payments WHERE order_id = $1',
          [orderId],
        );
        return rows[0]?.provider_payment_id ?? undefined;
      },
    );
    // The adapter records the charge before orders-service has applied PaymentInitiated.
    await waitFor('the order to wait in PAYMENT_PENDING', async () =>
      (await getOrder(system.ordersUrl, orderId)).body.status === 'PAYMENT_PENDING'
        ? true
        : undefined,
    );
    const untouched = { status: 'PENDING', inbox: '0', signatures: '0', order: 'PAYMENT_PENDING' };
    expect(await sideEffects(orderId)).toEqual(untouched);

    const event: PaymentWebhookEvent = {
      id: randomUUID(),
      type: 'payment.succeeded',
      created: new Date().toISOString(),
      data: {
        id: providerPaymentId,
        reference: orderId,
        amount: 2500,
        currency: 'EUR',
        status: 'approved',
        declineCode: null,
      },
    };
    const raw = JSON.stringify(event);
    const secret = [system.webhookSecret];
    const refusals: Array<[string, Promise<Delivery>]> = [
      ['WEBHOOK.SIGNATURE_MISSING', deliver(raw, undefined)],
      ['WEBHOOK.SIGNATURE_MALFORMED', deliver(raw, `t=${now()},v1=not-hex`)],
      [
        'WEBHOOK.SIGNATURE_MISMATCH',
        deliver(raw, signWebhook(raw, ['whsec_a_forger_guessing_it'], now())),
      ],
      // Signed for one body, sent with another: the amount, or the outcome, changed on the way.
      [
        'WEBHOOK.SIGNATURE_MISMATCH',
        deliver(raw.replace('2500', '1'), signWebhook(raw, secret, now())),
      ],
      [
        'WEBHOOK.SIGNATURE_MISMATCH',
        deliver(raw, signWebhook(raw, secret, now()).replace(/^t=\d+/, `t=${now() + 5}`)),
      ],
      ['WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE', deliver(raw, signWebhook(raw, secret, now() - 400))],
      ['WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE', deliver(raw, signWebhook(raw, secret, now() + 400))],
    ];
    for (const [code, delivery] of refusals) {
      const answer = await delivery;
      expect(answer, code).toMatchObject({ status: 401, body: { code } });
    }
    expect(await sideEffects(orderId)).toEqual(untouched);

    const signature = signWebhook(raw, secret, now());
    expect(await deliver(raw, signature)).toMatchObject({
      status: 200,
      body: { outcome: 'applied' },
    });
    expect((await waitForTerminal(system.ordersUrl, orderId)).status).toBe('FULFILLED');

    // The captured request, replayed byte for byte: refused, and nothing moves.
    const before = await sideEffects(orderId);
    expect(await deliver(raw, signature)).toMatchObject({
      status: 401,
      body: { code: 'WEBHOOK.REPLAYED' },
    });
    expect(await sideEffects(orderId)).toEqual(before);
    // The same event delivered again (a fresh signature): acknowledged, applied once, and counted
    // as a duplicate like any redelivered Kafka message (the label is the webhooks' route).
    const adapterUrl = system.services['payments-adapter'].url;
    const duplicates = (): Promise<number> =>
      metricSum(adapterUrl, 'inbox_duplicates_total', 'topic="/payments/callback"');
    expect(await duplicates()).toBe(0);
    expect(await deliver(raw, signWebhook(raw, secret, now() + 1))).toMatchObject({
      status: 200,
      body: { outcome: 'duplicate' },
    });
    expect(await duplicates()).toBe(1);
    // Out of order and contradictory events after the decision: acknowledged, never applied.
    for (const late of [
      {
        ...event,
        id: randomUUID(),
        type: 'payment.processing',
        data: { ...event.data, status: 'pending' },
      },
      {
        ...event,
        id: randomUUID(),
        type: 'payment.failed',
        data: { ...event.data, status: 'declined', declineCode: 'generic_decline' },
      },
    ]) {
      const body = JSON.stringify(late);
      expect(await deliver(body, signWebhook(body, secret, now()))).toMatchObject({
        status: 200,
        body: { outcome: 'superseded' },
      });
    }
    const order = await getOrder(system.ordersUrl, orderId);
    expect(order.body.status).toBe('FULFILLED');
    expect(await paymentFacts(system, orderId)).toEqual([
      MESSAGES.PaymentInitiated.type,
      MESSAGES.PaymentConfirmed.type,
    ]);
  });

  it('refuses a signed event about no payment of ours, or about another charge, changing nothing', async () => {
    const stranger: PaymentWebhookEvent = {
      id: randomUUID(),
      type: 'payment.succeeded',
      created: new Date().toISOString(),
      data: {
        id: 'pay_x',
        reference: randomUUID(),
        amount: 1,
        currency: 'EUR',
        status: 'approved',
        declineCode: null,
      },
    };
    const raw = JSON.stringify(stranger);
    const answer = await deliver(raw, signWebhook(raw, [system.webhookSecret], now()));
    expect(answer).toMatchObject({ status: 404, body: { code: 'WEBHOOK.UNKNOWN_PAYMENT' } });
    const { rows } = await payments.query<{ n: string }>(
      'SELECT count(*) AS n FROM inbox WHERE message_id = $1',
      [stranger.id],
    );
    expect(rows[0]?.n).toBe('0');
  });
});

// The simulator's own asynchronous mode, at its most hostile: every event delivered twice and
// the final one before `payment.processing`. Every saga path still ends as it should, applied once.
// Each mode also runs half-way through a secret rotation, one side switched first in each.
const OLD_SECRET = `whsec_old_${randomUUID()}`;
const NEW_SECRET = `whsec_new_${randomUUID()}`;
const ROTATIONS = {
  // The adapter accepts both; the simulator signs with the new one only.
  choreography: {
    'payments-adapter': { WEBHOOK_SECRET: NEW_SECRET, WEBHOOK_SECRET_PREVIOUS: OLD_SECRET },
    'payment-provider-sim': { WEBHOOK_SECRET: NEW_SECRET },
  },
  // The simulator signs with both; the adapter still knows only the old one.
  orchestration: {
    'payments-adapter': { WEBHOOK_SECRET: OLD_SECRET },
    'payment-provider-sim': { WEBHOOK_SECRET: NEW_SECRET, WEBHOOK_SECRET_PREVIOUS: OLD_SECRET },
  },
} as const;

describe.each(['choreography', 'orchestration'] as const)('async provider, %s saga', (mode) => {
  let system: SagaSystem;
  let settled: OrderView[] = [];

  beforeAll(async () => {
    system = await startSagaSystem(`async_${mode.slice(0, 5)}`, { mode, env: ROTATIONS[mode] });
    await setStock(system.fulfillmentUrl, SKU, 100);
    await setStock(system.fulfillmentUrl, SKU_SOLD_OUT, 0);
    await tune(system, { async: { enabled: true, delayMs: 30, duplicateRate: 1, reorderRate: 1 } });
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('completes approved, declined and refunded orders from webhooks, each decided once', async () => {
    const place = async (overrides: Record<string, unknown>): Promise<OrderView> => {
      const created = await postOrder(system.ordersUrl, orderBody(overrides));
      expect(created.status).toBe(201);
      return waitForTerminal(system.ordersUrl, created.body.id);
    };
    const [approved, declined, refunded] = await Promise.all([
      place({ items: [{ sku: SKU, quantity: 1, unitPrice: 700 }] }),
      place({
        items: [{ sku: SKU, quantity: 1, unitPrice: 700 }],
        paymentMethod: 'pm_card_declined',
      }),
      place({ items: [{ sku: SKU_SOLD_OUT, quantity: 1, unitPrice: 700 }] }),
    ]);
    expect([approved, declined, refunded].map((o) => [o.status, o.reason])).toEqual([
      ['FULFILLED', null],
      ['CANCELLED', 'PAYMENT_DECLINED'],
      ['CANCELLED', 'OUT_OF_STOCK'],
    ]);
    settled = [approved, declined, refunded];

    const ledger = await http<{
      payments: Array<{ reference: string; status: string; async: boolean }>;
      refunds: Array<{ reference: string }>;
      webhooks: Array<{ reference: string; type: string; result: number | string }>;
    }>(`${system.providerAdminUrl}/admin/provider/ledger`);
    for (const order of [approved, declined, refunded]) {
      const charges = ledger.body.payments.filter((p) => p.reference === order.id);
      expect(charges).toHaveLength(1);
      expect(charges[0]?.async).toBe(true);
      // Both events, each delivered twice (the final one sent first); every delivery accepted.
      const deliveries = ledger.body.webhooks.filter((w) => w.reference === order.id);
      const final = order === declined ? 'payment.failed' : 'payment.succeeded';
      expect(deliveries.map((w) => w.type).sort()).toEqual(
        [final, final, 'payment.processing', 'payment.processing'].sort(),
      );
      expect(deliveries.map((w) => w.result)).toEqual([200, 200, 200, 200]);
    }
    expect(ledger.body.refunds.map((r) => r.reference)).toEqual([refunded.id]);

    const decisions = async (orderId: string): Promise<string[]> =>
      (await paymentFacts(system, orderId)).filter((t) => t !== MESSAGES.PaymentInitiated.type);
    expect(await decisions(approved.id)).toEqual([MESSAGES.PaymentConfirmed.type]);
    expect(await decisions(declined.id)).toEqual([MESSAGES.PaymentFailed.type]);
    expect(await decisions(refunded.id)).toEqual([
      MESSAGES.PaymentConfirmed.type,
      MESSAGES.PaymentRefunded.type,
    ]);
  });

  it('each webhook joins its order’s trace, and every log line of the saga shares its ids', async () => {
    if (settled.length !== 3) throw new Error('the orders of the previous test did not settle');
    const files = Object.values(system.services).map((service) => service.logFile);
    for (const order of settled) {
      // Every delivery (two per event, four per order) is a request of the simulator's, whose
      // context it carries in `traceparent`: the callback's server span is in the order's trace.
      // Complete once the four callbacks and the spans they name as parents have arrived
      // (each service exports in batches).
      const spans = await waitForTrace(system.zipkinUrl, order.traceId, (all) => {
        const ids = new Set(all.map((s) => s.id));
        const callbacks = all.filter((s) => s.name === 'post /payments/callback');
        return callbacks.length >= 4 && callbacks.every((s) => ids.has(s.parentId ?? ''));
      });
      const byId = new Map(spans.map((s) => [s.id, s]));
      const callbacks = spans.filter((s) => s.name === 'post /payments/callback');
      for (const callback of callbacks) {
        expect(callback.kind).toBe('SERVER');
        expect(callback.localEndpoint?.serviceName).toBe('payments-adapter');
        const sender = byId.get(callback.parentId ?? '');
        expect(sender?.kind, order.id).toBe('CLIENT');
        expect(sender?.localEndpoint?.serviceName).toBe('payment-provider-sim');
      }
      const logs = sagaLogs(files, order);
      expect(logs.problems, order.id).toEqual([]);
      expect(
        logs.lines.some(({ line }) => String(line['msg']).startsWith('payment.webhook')),
        order.id,
      ).toBe(true);
    }
  });
});
