import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, deadLetterTopic } from '@order-saga/contracts';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
  type OrderView,
} from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { readTopics } from '../support/topic-reader.ts';

let system: SagaSystem;
let payments: Client;
const SKU = 'SKU-OUTAGE';

beforeAll(async () => {
  system = await startSagaSystem('outage');
  await setStock(system.fulfillmentUrl, SKU, 10);
  payments = new Client({ connectionString: system.databases.payments });
  await payments.connect();
});

afterAll(async () => {
  await payments?.end();
  await system?.stop();
});

async function unavailableCalls(orderId: string): Promise<number> {
  const { rows } = await payments.query<{ n: string }>(
    `SELECT count(*) AS n FROM payment_attempts a JOIN payments p ON p.id = a.payment_id
     WHERE p.order_id = $1 AND a.outcome = 'unavailable'`,
    [orderId],
  );
  return Number(rows[0]?.n ?? 0);
}

describe('while the payment provider is down', () => {
  it('orders wait in PAYMENT_PENDING, then resume and complete when it is back; nothing is dead-lettered', async () => {
    await system.kill('payment-provider-sim');
    const created = await postOrder(
      system.ordersUrl,
      orderBody({ items: [{ sku: SKU, quantity: 1, unitPrice: 990 }] }),
    );
    expect(created.status).toBe(201);
    const orderId = created.body.id;

    // Longer than the consumer's attempt budget for ordinary failures (8): an outage is not
    // counted against it, so the message is still being retried, not parked in a dead-letter topic.
    await waitFor(
      'the adapter to have retried past its attempt budget',
      async () => ((await unavailableCalls(orderId)) >= 10 ? true : undefined),
      90_000,
      250,
    );
    const waiting = await http<OrderView>(`${system.ordersUrl}/orders/${orderId}`);
    expect(waiting.body.status).toBe('PAYMENT_PENDING');
    expect(waiting.body.steps.find((step) => step.name === 'payment')?.status).toBe('IN_PROGRESS');

    await system.start('payment-provider-sim');
    const done = await waitForTerminal(system.ordersUrl, orderId, 60_000);
    expect(done.status).toBe('FULFILLED');
    expect(done.steps.find((step) => step.name === 'payment')?.attempts).toBeGreaterThanOrEqual(11);

    const records = await http<{ payments: unknown[] }>(
      `${system.providerUrl}/v1/records?reference=${orderId}`,
    );
    expect(records.body.payments).toHaveLength(1);
    const dead = await readTopics(system.brokers, [
      `${system.topicPrefix}${deadLetterTopic(TOPICS.ordersEvents)}`,
    ]);
    expect(dead).toEqual([]);
  });
});
