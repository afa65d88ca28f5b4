import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  orderBody,
  postOrder,
  setStock,
  waitForAllTerminal,
  waitForTerminal,
  type HttpResult,
} from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';

// Past ORDERS_MAX_IN_FLIGHT unfinished sagas, POST /orders sheds load: 503 problem+json with
// Retry-After, nothing written. The backlog is built for real: the payment provider is down, so
// every accepted order waits in PAYMENT_PENDING; when it is back, every accepted order completes
// and the door opens again.

const BOUND = 10;
const BURST = 40;
const RETRY_AFTER = 3;
const SKU = 'SKU-SHED';

let system: SagaSystem;
let orders: Client;

beforeAll(async () => {
  system = await startSagaSystem('shed', {
    env: {
      'orders-service': {
        ORDERS_MAX_IN_FLIGHT: String(BOUND),
        // The backlog's bound alone (the pool's is test/e2e/load-shedding-pool).
        ORDERS_MAX_POOL_WAITING: '0',
        ORDERS_SHED_RETRY_AFTER_SECONDS: String(RETRY_AFTER),
        // Samples the backlog (and so the door's count) five times a second.
        SAGA_SWEEP_INTERVAL_MS: '200',
      },
    },
  });
  await setStock(system.fulfillmentUrl, SKU, 1_000);
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

/** A sample of orders-service's /metrics, of the series whose labels include `label` (0 if absent). */
async function gauge(name: string, label = ''): Promise<number> {
  const { body } = await http<string>(`${system.ordersUrl}/metrics`);
  const line = body
    .split('\n')
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

const shedCount = () => gauge('orders_shed_total', 'bound="backlog"');

const place = (customerId: string, headers: Record<string, string> = {}) =>
  postOrder(
    system.ordersUrl,
    orderBody({ customerId, items: [{ sku: SKU, quantity: 1, unitPrice: 500 }] }),
    headers,
  );

function expectShed(response: HttpResult<unknown>): void {
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('retry-after')).toBe(String(RETRY_AFTER));
  expect(response.body).toMatchObject({ status: 503, code: 'SERVICE.OVERLOADED' });
}

describe('POST /orders past the saga backlog bound', () => {
  const customerId = `shed-${randomUUID().slice(0, 8)}`;
  const accepted: string[] = [];
  const key = randomUUID();
  let shedBefore = 0;

  it('sheds a burst at the bound: 503 with Retry-After for the rest, and only the 201s exist', async () => {
    await system.kill('payment-provider-sim');
    shedBefore = await shedCount();
    const responses = await Promise.all(Array.from({ length: BURST }, () => place(customerId)));
    const created = responses.filter((r) => r.status === 201);
    const shed = responses.filter((r) => r.status !== 201);
    for (const response of shed) expectShed(response);
    // The places are taken synchronously per request, so the burst stops at the bound; a backlog
    // sample landing mid-burst can let through at most the requests still committing then.
    expect(created.length).toBeGreaterThanOrEqual(BOUND);
    expect(created.length).toBeLessThan(BURST);
    accepted.push(...created.map((r) => r.body.id));
    expect((await ordersOf(customerId)).sort()).toEqual([...accepted].sort());
    expect((await shedCount()) - shedBefore).toBe(shed.length);
    console.log(
      `burst of ${BURST} with bound ${BOUND}: ${created.length} accepted, ${shed.length} shed (503)`,
    );
  });

  it('keeps shedding while the backlog stands, also a request with an Idempotency-Key, and records nothing for it', async () => {
    // The next backlog sample counts every accepted order (waiting for the provider) itself.
    await waitFor(
      'the backlog sample to count the accepted orders',
      async () => ((await gauge('sagas_in_flight')) >= BOUND ? true : undefined),
      10_000,
      100,
    );
    expectShed(await place(customerId));
    expectShed(await place(customerId, { 'idempotency-key': `"${key}"` }));
    // Bad input is still told what is wrong, not to come back later.
    const invalid = await postOrder(system.ordersUrl, { customerId });
    expect(invalid.status).toBe(400);
    expect((await ordersOf(customerId)).length).toBe(accepted.length);
  });

  it('every accepted order completes once the provider is back, and the door opens again', async () => {
    await system.start('payment-provider-sim');
    const finished = await waitForAllTerminal(system.ordersUrl, accepted, 90_000);
    expect(finished.map((o) => o.status)).toEqual(accepted.map(() => 'FULFILLED'));
    // The same key that was shed runs for real now: its 503 was never recorded.
    let last: HttpResult<unknown> | undefined;
    const retried = await waitFor(
      'POST /orders to admit again',
      async () => {
        const response = await place(customerId, { 'idempotency-key': `"${key}"` });
        last = response;
        return response.status === 201 ? response : undefined;
      },
      10_000,
      200,
    ).catch((error: unknown) => {
      throw new Error(`still refused: ${last?.status} ${JSON.stringify(last?.body)}`, {
        cause: error,
      });
    });
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    const fulfilled = await waitForTerminal(system.ordersUrl, retried.body.id, 60_000);
    expect(fulfilled.status).toBe('FULFILLED');
    console.log(
      `ledger: accepted ${accepted.length + 1}, fulfilled ${finished.length + 1}, ` +
        `orders in the database ${(await ordersOf(customerId)).length}, ` +
        `shed ${(await shedCount()) - shedBefore}`,
    );
  });
});
