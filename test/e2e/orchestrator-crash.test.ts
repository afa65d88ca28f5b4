import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAGA_TOPICS } from '@order-saga/contracts';
import {
  getStock,
  http,
  orderBody,
  postOrder,
  setStock,
  waitForTerminal,
} from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { readTopics } from '../support/topic-reader.ts';

let system: SagaSystem;
const SKU = 'SKU-ORCH-CRASH';
const ORDERS = 60;

beforeAll(async () => {
  system = await startSagaSystem('orchcrash', { mode: 'orchestration' });
  await setStock(system.fulfillmentUrl, SKU, 1_000);
});

afterAll(async () => {
  await system?.stop();
});

describe('the orchestrator SIGKILLed mid-saga under load', () => {
  it('finishes every saga, and no command takes effect twice', async () => {
    const place = async (n: number): Promise<string> => {
      const created = await postOrder(
        system.ordersUrl,
        orderBody({ customerId: `orch-${n}`, items: [{ sku: SKU, quantity: 1, unitPrice: 700 }] }),
      );
      expect(created.status).toBe(201);
      return created.body.id;
    };
    // Half before the crash, half while it is down and coming back: sagas at every step.
    const first = Promise.all(Array.from({ length: ORDERS / 2 }, (_, n) => place(n)));
    const crash = system.crashAndRestart('saga-orchestrator');
    const second = Promise.all(Array.from({ length: ORDERS / 2 }, (_, n) => place(ORDERS / 2 + n)));
    const ids = [...(await first), ...(await second)];
    await crash;
    const finals = await Promise.all(
      ids.map((id) => waitForTerminal(system.ordersUrl, id, 90_000)),
    );
    expect(finals.map((o) => o.status)).toEqual(ids.map(() => 'FULFILLED'));

    const ours = new Set(ids);
    const records = await http<{ payments: Array<{ reference: string }>; refunds: unknown[] }>(
      `${system.providerUrl}/v1/records`,
    );
    const charges = records.body.payments.filter((p) => ours.has(p.reference));
    const messages = (
      await readTopics(
        system.brokers,
        SAGA_TOPICS.map((t) => `${system.topicPrefix}${t}`),
      )
    ).filter((m) => ours.has(m.key));
    // type -> order -> distinct message ids. A redelivered record repeats its id (harmless, the
    // inbox drops it); a command decided twice would carry a second id.
    const decided = new Map<string, Map<string, Set<string>>>();
    const sent = new Map<string, number>();
    for (const m of messages) {
      const type = (m.headers['ce_type'] ?? '').split('.')[1] ?? '?';
      sent.set(type, (sent.get(type) ?? 0) + 1);
      const byOrder = decided.get(type) ?? new Map<string, Set<string>>();
      byOrder.set(m.key, (byOrder.get(m.key) ?? new Set()).add(m.headers['ce_id'] ?? ''));
      decided.set(type, byOrder);
    }
    const stock = await getStock(system.fulfillmentUrl, SKU);
    console.log(
      `ledger: ${ids.length} orders, ${charges.length} charges, ${records.body.refunds.length} refunds, ` +
        `stock ${JSON.stringify(stock)}, messages ${JSON.stringify(Object.fromEntries(sent))}`,
    );
    // One charge per order, no refund; one reservation per order.
    expect(charges).toHaveLength(ids.length);
    expect(new Set(charges.map((p) => p.reference)).size).toBe(ids.length);
    expect(stock).toMatchObject({ available: 1_000 - ORDERS, reserved: ORDERS });
    // Each command and each fact decided once per order, whatever was redelivered.
    for (const type of [
      'authorize-payment',
      'payment-confirmed',
      'reserve-inventory',
      'inventory-reserved',
      'order-fulfilled',
    ]) {
      const byOrder = decided.get(type);
      expect(byOrder?.size, type).toBe(ids.length);
      for (const [orderId, messageIds] of byOrder ?? [])
        expect(messageIds.size, `${type} of ${orderId}`).toBe(1);
    }
  });
});
