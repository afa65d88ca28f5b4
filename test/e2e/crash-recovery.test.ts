import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@order-saga/contracts';
import {
  startSagaSystem,
  type SagaSystem,
  type ServiceName,
} from '../../scripts/system/saga-system.ts';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
} from '../../scripts/system/orders-api.ts';
import { readTopics } from '../support/topic-reader.ts';

let system: SagaSystem;
const SKU = 'SKU-CRASH';

beforeAll(async () => {
  system = await startSagaSystem('crash');
  await setStock(system.fulfillmentUrl, SKU, 1_000);
});

afterAll(async () => {
  await system?.stop();
});

/**
 * Places orders while `victim` is SIGKILLed (no graceful shutdown: open transactions, unsent
 * outbox rows, uncommitted offsets) and restarted, then checks the ledger of effects.
 */
async function ordersAcrossACrash(victim: ServiceName, count: number): Promise<string[]> {
  const ids: string[] = [];
  const place = async (n: number): Promise<void> => {
    const created = await postOrder(
      system.ordersUrl,
      orderBody({
        customerId: `${victim}-${n}`,
        items: [{ sku: SKU, quantity: 1, unitPrice: 700 }],
      }),
    );
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  };
  await Promise.all(Array.from({ length: count / 2 }, (_, n) => place(n)));
  await system.crashAndRestart(victim);
  if (victim !== 'orders-service')
    await Promise.all(Array.from({ length: count / 2 }, (_, n) => place(count / 2 + n)));
  return ids;
}

describe('a crash at any point loses no accepted order and duplicates no effect', () => {
  it.each<ServiceName>(['payments-adapter', 'fulfillment-service', 'orders-service'])(
    'SIGKILL of %s mid-saga',
    async (victim) => {
      const ids = await ordersAcrossACrash(victim, 40);
      const finals = await Promise.all(
        ids.map((id) => waitForTerminal(system.ordersUrl, id, 90_000)),
      );
      expect(finals.map((o) => o.status)).toEqual(ids.map(() => 'FULFILLED'));

      // Exactly one charge per order at the provider, never a refund.
      const records = await http<{ payments: Array<{ reference: string }>; refunds: unknown[] }>(
        `${system.providerUrl}/v1/records`,
      );
      const ours = new Set(ids);
      const charges = records.body.payments.filter((p) => ours.has(p.reference));
      expect(charges).toHaveLength(ids.length);
      expect(new Set(charges.map((p) => p.reference)).size).toBe(ids.length);

      // Exactly one OrderFulfilled per order reached the wire, whatever was redelivered.
      const events = await readTopics(system.brokers, [
        `${system.topicPrefix}${TOPICS.ordersEvents}`,
      ]);
      const fulfilled = new Map<string, Set<string>>();
      for (const e of events) {
        if (e.headers['ce_type'] !== 'orders.order-fulfilled.v1' || !ours.has(e.key)) continue;
        fulfilled.set(e.key, (fulfilled.get(e.key) ?? new Set()).add(e.headers['ce_id'] ?? ''));
      }
      expect(fulfilled.size).toBe(ids.length);
      for (const eventIds of fulfilled.values()) expect(eventIds.size).toBe(1);
    },
  );

  it('stock reflects exactly one reservation per fulfilled order', async () => {
    const stock = await http<{ available: number; reserved: number }>(
      `${system.fulfillmentUrl}/inventory/${SKU}`,
    );
    // 40 + 40 + 20 orders above, each for one unit.
    expect(stock.body).toMatchObject({ available: 1_000 - 100, reserved: 100 });
  });
});
