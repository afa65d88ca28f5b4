import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLedger, ledgerProblems, takeLedger } from '../../scripts/faults/ledger.ts';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForAllTerminal,
  type HttpResult,
} from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';

// What queues first past the knee is the connection pool: every POST /orders needs one of
// orders-service's pooled connections, and so do its consumer and relay. Past
// ORDERS_MAX_POOL_WAITING requests queued for one, POST /orders sheds (503 SERVICE.OVERLOADED with
// Retry-After, nothing written) instead of queueing until pg-pool's connect timeout, which used to
// be answered 503 SERVICE.DATABASE_UNAVAILABLE although the database was answering. A pool of two
// connections and a burst of concurrent POSTs fill it for real; the backlog bound is off, so
// every 503 here is the pool's.

const POOL_SIZE = 2;
const MAX_WAITING = 2;
const BURST = 120;
const RETRY_AFTER = 3;
const SKU = 'SKU-SHED-POOL';

let system: SagaSystem;
let orders: Client;

beforeAll(async () => {
  system = await startSagaSystem('shed_pool', {
    env: {
      'orders-service': {
        DATABASE_POOL_SIZE: String(POOL_SIZE),
        ORDERS_MAX_POOL_WAITING: String(MAX_WAITING),
        ORDERS_MAX_IN_FLIGHT: '0',
        ORDERS_SHED_RETRY_AFTER_SECONDS: String(RETRY_AFTER),
      },
    },
  });
  await setStock(system.fulfillmentUrl, SKU, 10_000);
  orders = new Client({ connectionString: system.databases.orders });
  await orders.connect();
});

afterAll(async () => {
  await orders?.end();
  await system?.stop();
});

async function ordersOf(customerId: string): Promise<string[]> {
  const { rows } = await orders.query<{ id: string }>(
    'SELECT id FROM orders WHERE customer_id = $1',
    [customerId],
  );
  return rows.map((row) => row.id);
}

/** orders_shed_total{bound} on orders-service's /metrics (0 if not exported yet). */
async function shedBy(bound: 'backlog' | 'pool'): Promise<number> {
  const { body } = await http<string>(`${system.ordersUrl}/metrics`);
  const line = body
    .split('\n')
    .find((l) => l.startsWith('orders_shed_total{') && l.includes(`bound="${bound}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

const place = (customerId: string) =>
  postOrder(
    system.ordersUrl,
    orderBody({ customerId, items: [{ sku: SKU, quantity: 1, unitPrice: 700 }] }),
  );

function outcome(response: HttpResult<unknown>): string {
  const code = (response.body as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${response.status} ${code}` : String(response.status);
}

describe('POST /orders when the connection pool queues', () => {
  const customerId = `shed-pool-${randomUUID().slice(0, 8)}`;
  const accepted: string[] = [];

  it('sheds a burst that fills the pool with 503 SERVICE.OVERLOADED and Retry-After, and writes only the 201s', async () => {
    const poolBefore = await shedBy('pool');
    const backlogBefore = await shedBy('backlog');
    const responses = await Promise.all(Array.from({ length: BURST }, () => place(customerId)));
    const byOutcome: Record<string, number> = {};
    for (const response of responses)
      byOutcome[outcome(response)] = (byOutcome[outcome(response)] ?? 0) + 1;
    console.log(
      `burst of ${BURST} on a pool of ${POOL_SIZE} (shed from ${MAX_WAITING} waiting): ${JSON.stringify(byOutcome)}`,
    );
    // Nothing else: no 503 SERVICE.DATABASE_UNAVAILABLE, no 500.
    expect(Object.keys(byOutcome).sort()).toEqual(['201', '503 SERVICE.OVERLOADED']);
    const created = responses.filter((r) => r.status === 201);
    const shed = responses.filter((r) => r.status === 503);
    for (const response of shed) {
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('retry-after')).toBe(String(RETRY_AFTER));
      expect(response.body).toMatchObject({ status: 503, code: 'SERVICE.OVERLOADED' });
      expect((response.body as { detail?: string }).detail).toMatch(
        /requests are waiting for a database connection \(bound 2\)/,
      );
    }
    accepted.push(...created.map((r) => (r.body as { id: string }).id));
    expect((await ordersOf(customerId)).sort()).toEqual([...accepted].sort());
    expect((await shedBy('pool')) - poolBefore).toBe(shed.length);
    expect((await shedBy('backlog')) - backlogBefore).toBe(0);
  });

  it('every accepted order reaches a terminal state with one effect each, and the door opens again', async () => {
    await waitForAllTerminal(system.ordersUrl, accepted, 120_000);
    const ledger = await takeLedger(
      system,
      `a burst of ${BURST} on a pool of ${POOL_SIZE}`,
      accepted,
      undefined,
    );
    console.log(formatLedger(ledger));
    expect(ledgerProblems(ledger)).toEqual([]);
    expect(ledger.byState).toEqual({ FULFILLED: accepted.length });
    expect(ledger.chargesPerOrder).toEqual({ 1: accepted.length });
    expect(ledger.reservationsPerOrder).toEqual({ 1: accepted.length });
    // The queue drained: one order at a time is admitted again.
    const next = await waitFor(
      'POST /orders to admit again',
      async () => {
        const response = await place(customerId);
        return response.status === 201 ? response : undefined;
      },
      10_000,
      200,
    );
    expect(next.status).toBe(201);
    console.log(
      `ledger: accepted ${accepted.length + 1} (one after the burst), fulfilled ${ledger.byState['FULFILLED'] ?? 0} + ` +
        `the last, orders in the database ${(await ordersOf(customerId)).length}`,
    );
  });
});
