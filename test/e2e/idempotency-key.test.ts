import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '@order-saga/contracts';
import { http, orderBody, waitForTerminal } from '../../scripts/system/orders-api.ts';
import { startPrivateRedis, type PrivateRedis } from '../../scripts/system/redis-server.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { metricSum } from '../support/service-metrics.ts';
import { readTopics } from '../support/topic-reader.ts';

// orders-service gets a Redis of its own, so this suite can flush and kill it freely.
let redis: PrivateRedis;
let system: SagaSystem;
let orders: Client;
const client = `e2e-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  redis = await startPrivateRedis(join(process.cwd(), '.stack', `redis-idempotency-${client}.log`));
  system = await startSagaSystem('idempotency', {
    env: { 'orders-service': { REDIS_URL: redis.url } },
  });
  orders = new Client({ connectionString: system.databases.orders });
  await orders.connect();
});

afterAll(async () => {
  await orders?.end();
  await system?.stop();
  await redis?.stop();
});

interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The body exactly as it came over the wire. */
  readonly text: string;
}

async function post(
  body: unknown,
  key: string | undefined,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const response = await fetch(`${system.ordersUrl}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-client-id': client,
      ...(key === undefined ? {} : { 'idempotency-key': `"${key}"` }),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function ordersOf(customerId: string): Promise<string[]> {
  const result = await orders.query<{ id: string }>(
    'SELECT id FROM orders WHERE customer_id = $1',
    [customerId],
  );
  return result.rows.map((row) => row.id);
}

function codeOf(response: RawResponse): string {
  return (JSON.parse(response.text) as { code: string }).code;
}

/** A counter of orders-service, e.g. metric('idempotent_replays_total', 'outcome="replayed"'). */
describe('Idempotency-Key on POST /orders', () => {
  const customerId = `idem-${randomUUID().slice(0, 8)}`;
  const key = randomUUID();
  const body = orderBody({ customerId });
  let first: RawResponse;

  it('100 concurrent POSTs with one key create one order: one 201, the rest 409 or identical replays', async () => {
    const responses = await Promise.all(Array.from({ length: 100 }, () => post(body, key)));
    const createdFresh = responses.filter(
      (r) => r.status === 201 && r.headers.get('idempotent-replayed') === null,
    );
    expect(createdFresh).toHaveLength(1);
    first = createdFresh[0] as RawResponse;
    for (const response of responses) {
      if (response === first) continue;
      if (response.status === 409) {
        expect(codeOf(response)).toBe('IDEMPOTENCY.REQUEST_IN_FLIGHT');
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      } else {
        expect(response.status).toBe(201);
        expect(response.headers.get('idempotent-replayed')).toBe('true');
        expect(response.text).toBe(first.text);
      }
    }
    const ids = await ordersOf(customerId);
    expect(ids).toHaveLength(1);
    const id = ids[0] as string;
    expect(JSON.parse(first.text)).toMatchObject({ id, status: 'CREATED' });
    expect(first.headers.get('location')).toBe(`/orders/${id}`);

    // One order, so one saga: one OrderCreated, one charge.
    expect((await waitForTerminal(system.ordersUrl, id)).status).toBe('FULFILLED');
    const created = (
      await readTopics(system.brokers, [`${system.topicPrefix}${TOPICS.ordersEvents}`])
    ).filter((m) => m.key === id && m.headers['ce_type'] === 'orders.order-created.v1');
    expect(created).toHaveLength(1);
    const { body: records } = await http<{ payments: { id: string }[] }>(
      `${system.providerUrl}/v1/records?reference=${id}`,
    );
    expect(records.payments).toHaveLength(1);
    // The key the adapter sent the provider derives from the order id: repeating that call is
    // answered as a replay of the one charge, so a retried POST can never charge twice.
    const total = (JSON.parse(first.text) as { total: number }).total;
    const repeat = await fetch(`${system.providerUrl}/v1/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `order:${id}:authorize` },
      body: JSON.stringify({
        reference: id,
        amount: total,
        currency: body['currency'],
        paymentMethod: body['paymentMethod'],
      }),
    });
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(((await repeat.json()) as { id: string }).id).toBe(records.payments[0]?.id);
  });

  it('a changed body with that key is 422 and changes nothing', async () => {
    const changed = await post(orderBody({ customerId, paymentMethod: 'pm_card_declined' }), key);
    expect(changed.status).toBe(422);
    expect(changed.headers.get('content-type')).toContain('application/problem+json');
    expect(codeOf(changed)).toBe('IDEMPOTENCY.KEY_REUSED');
    expect(await ordersOf(customerId)).toHaveLength(1);
  });

  it('a replay after completion is byte-identical with Idempotent-Replayed: true, also after FLUSHALL and after a restart', async () => {
    const expectReplay = async (): Promise<void> => {
      const replay = await post(body, key);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.headers.get('location')).toBe(first.headers.get('location'));
      expect(replay.text).toBe(first.text);
    };
    await expectReplay();
    expect(
      await metricSum(system.ordersUrl, 'idempotent_replays_total', 'outcome="replayed"'),
    ).toBeGreaterThan(0);
    await redis.flushAll();
    await expectReplay();
    await system.crashAndRestart('orders-service');
    await expectReplay();
    expect(await ordersOf(customerId)).toHaveLength(1);
    // A fresh process: its counter holds the replay it just served, from PostgreSQL.
    expect(
      await metricSum(system.ordersUrl, 'idempotent_replays_total', 'outcome="replayed"'),
    ).toBe(1);
  });

  it('with Redis down, keys still work from PostgreSQL and readiness reports Redis degraded', async () => {
    await redis.kill();
    try {
      const ready = await http<{ status: string; checks: Record<string, { status: string }> }>(
        `${system.ordersUrl}/health/ready`,
      );
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('degraded');
      expect(ready.body.checks['redis']?.status).toBe('degraded');

      const replay = await post(body, key);
      expect(replay.text).toBe(first.text);
      const otherCustomer = `idem-${randomUUID().slice(0, 8)}`;
      const otherKey = randomUUID();
      const racing = await Promise.all(
        Array.from({ length: 20 }, () => post(orderBody({ customerId: otherCustomer }), otherKey)),
      );
      expect(racing.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 201));
      expect(new Set(racing.map((r) => r.text)).size).toBe(1);
      expect(await ordersOf(otherCustomer)).toHaveLength(1);
      expect(
        await metricSum(system.ordersUrl, 'idempotency_cache_errors_total', 'operation="claim"'),
      ).toBeGreaterThan(0);
    } finally {
      await redis.start();
    }
  });

  it('a stored 400 is replayed as well; malformed keys are 400 and change nothing', async () => {
    const invalidKey = randomUUID();
    const invalid = orderBody({ customerId, currency: 'euro' });
    const rejected = await post(invalid, invalidKey);
    expect(rejected.status).toBe(400);
    expect(codeOf(rejected)).toBe('ORDER.VALIDATION_FAILED');
    const again = await post(invalid, invalidKey);
    expect(again.status).toBe(400);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.text).toBe(rejected.text);

    const fresh = orderBody({ customerId: `idem-${randomUUID().slice(0, 8)}` });
    for (const header of ['""', `"${'k'.repeat(256)}"`, 'unquoted-key', '"tab\tinside"']) {
      const malformed = await post(fresh, undefined, { 'idempotency-key': header });
      expect(malformed.status, header).toBe(400);
      expect(codeOf(malformed)).toBe('IDEMPOTENCY.KEY_MALFORMED');
    }
    const badClient = await post(fresh, randomUUID(), { 'x-client-id': 'not a client id' });
    expect(codeOf(badClient)).toBe('IDEMPOTENCY.CLIENT_ID_MALFORMED');
    expect(await ordersOf(fresh['customerId'] as string)).toHaveLength(0);
  });

  it('keys are scoped per client: another client with the same key gets its own order', async () => {
    const other = await post(body, key, { 'x-client-id': `${client}-other` });
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(await ordersOf(customerId)).toHaveLength(2);
  });

  it('an expired key creates a new order, and the sweeper deletes the expired record', async () => {
    await system.kill('orders-service');
    await system.start('orders-service', {
      IDEMPOTENCY_KEY_TTL_MS: '1000',
      IDEMPOTENCY_SWEEP_INTERVAL_MS: '200',
    });
    const shortCustomer = `idem-${randomUUID().slice(0, 8)}`;
    const shortKey = randomUUID();
    const shortBody = orderBody({ customerId: shortCustomer });
    expect((await post(shortBody, shortKey)).status).toBe(201);
    await waitFor('the expired key to be swept', async () => {
      const { rows } = await orders.query(
        'SELECT 1 FROM idempotency_keys WHERE idempotency_key = $1',
        [shortKey],
      );
      return rows.length === 0 ? true : undefined;
    });
    const after = await post(shortBody, shortKey);
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(await ordersOf(shortCustomer)).toHaveLength(2);
  });
});
