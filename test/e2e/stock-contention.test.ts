import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForAllTerminal,
} from '../../scripts/system/orders-api.ts';

const ORDERS = 200;
const STOCK = 50;
const SKU = 'SKU-CONTENDED';

let system: SagaSystem;

beforeAll(async () => {
  // 200 POSTs at once queue ~190 deep for orders-service's 10 pooled connections: with the
  // pool's shedding bound on (ORDERS_MAX_POOL_WAITING, test/e2e/load-shedding-pool) most would be
  // shed 503 before reaching the stock. This test is about the reservations, so every order
  // must get in.
  system = await startSagaSystem('contention', {
    env: { 'orders-service': { ORDERS_MAX_POOL_WAITING: '0' } },
  });
  await setStock(system.fulfillmentUrl, SKU, STOCK);
});

afterAll(async () => {
  await system?.stop();
});

describe('200 parallel orders for a SKU with stock 50', () => {
  it('fulfills exactly 50, cancels and refunds exactly 150, and leaves stock at exactly 0', async () => {
    const created = await Promise.all(
      Array.from({ length: ORDERS }, (_, i) =>
        postOrder(
          system.ordersUrl,
          orderBody({ customerId: `c-${i}`, items: [{ sku: SKU, quantity: 1, unitPrice: 1000 }] }),
        ),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array<number>(ORDERS).fill(201));
    const ids = created.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(ORDERS);

    const finals = await waitForAllTerminal(system.ordersUrl, ids, 120_000);
    const fulfilled = finals.filter((o) => o.status === 'FULFILLED');
    const cancelled = finals.filter((o) => o.status === 'CANCELLED');
    expect(fulfilled).toHaveLength(STOCK);
    expect(cancelled).toHaveLength(ORDERS - STOCK);
    expect(new Set(cancelled.map((o) => o.reason))).toEqual(new Set(['OUT_OF_STOCK']));

    const stock = await http<{ available: number; reserved: number }>(
      `${system.fulfillmentUrl}/inventory/${SKU}`,
    );
    expect(stock.body).toEqual({ sku: SKU, available: 0, reserved: STOCK });

    // The provider's own records: one approved charge per order, one refund per cancelled order.
    const records = await http<{
      payments: Array<{ reference: string }>;
      refunds: Array<{ reference: string }>;
    }>(`${system.providerUrl}/v1/records`);
    const ours = new Set(ids);
    const payments = records.body.payments.filter((p) => ours.has(p.reference));
    const refunds = records.body.refunds.filter((r) => ours.has(r.reference));
    expect(payments).toHaveLength(ORDERS);
    expect(refunds).toHaveLength(ORDERS - STOCK);
    expect(new Set(refunds.map((r) => r.reference))).toEqual(new Set(cancelled.map((o) => o.id)));
  });
});
