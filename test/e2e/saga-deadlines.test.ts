import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAGA_TOPICS, TOPICS } from '@order-saga/contracts';
import {
  getOrder,
  getStock,
  http,
  orderBody,
  postOrder,
  providerRecords,
  setProviderKnobs,
  setStock,
  waitForTerminal,
  type OrderView,
} from '../../scripts/system/orders-api.ts';
import { startSagaSystem, type SagaSystem } from '../../scripts/system/saga-system.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { metricSum } from '../support/service-metrics.ts';
import { readTopics } from '../support/topic-reader.ts';

// Short deadlines (seconds) and a fast sweeper keep these tests quick; every wait is a condition.
const DEADLINE_SECONDS = 3;

/** Runs `npm run saga -- <args>` (the operator CLI) against a service's admin port. */
async function sagaCli(
  adminUrl: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = resolve(import.meta.dirname, '../../scripts/saga/cli.ts');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { ...process.env, PAYMENTS_ADAPTER_ADMIN_URL: adminUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A sample's value on a service's /metrics, e.g. `saga_oldest_in_flight_seconds{state="PAID"}`. */
const transitions = (order: OrderView): string[] =>
  order.history.map((t) => `${t.from ?? '∅'}->${t.to}`);
const stepOf = (order: OrderView, name: string) => order.steps.find((s) => s.name === name);

/** The ledger of one order, as every side of the saga recorded it; printed by each test. */
async function ledger(system: SagaSystem, orderId: string, sku: string) {
  const records = await providerRecords(system.providerUrl, orderId);
  const messages = await readTopics(
    system.brokers,
    SAGA_TOPICS.map((t) => `${system.topicPrefix}${t}`),
  );
  const types = messages
    .filter((m) => m.key === orderId)
    .map((m) => (m.headers['ce_type'] ?? '').split('.')[1] ?? '?');
  const count = (type: string): number => types.filter((t) => t === type).length;
  const stock = await getStock(system.fulfillmentUrl, sku);
  const entry = {
    charges: records.payments.filter((p) => p.status === 'approved').length,
    refunds: records.refunds.length,
    reserved: count('inventory-reserved'),
    released: count('inventory-released'),
    stock: { available: stock.available, reserved: stock.reserved },
    messages: types.join(' '),
  };
  console.log(`ledger of ${orderId} (${system.mode}): ${JSON.stringify(entry)}`);
  return entry;
}

describe.each(['choreography', 'orchestration'] as const)('%s: sagas that give up', (mode) => {
  let system: SagaSystem;

  beforeAll(async () => {
    system = await startSagaSystem(`dl_${mode.slice(0, 5)}`, {
      mode,
      env: {
        'orders-service': { SAGA_SWEEP_INTERVAL_MS: '200' },
        'saga-orchestrator': { SAGA_SWEEP_INTERVAL_MS: '200' },
        'payments-adapter': { REFUND_MAX_REFUSALS: '2' },
      },
    });
    await setStock(system.fulfillmentUrl, 'SKU-DL-NONE', 0);
    await setStock(system.fulfillmentUrl, 'SKU-DL-OUTAGE', 10);
    await setStock(system.fulfillmentUrl, 'SKU-DL-SLOW', 10);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('a refund the provider keeps refusing ends in COMPENSATION_FAILED with the error, not a loop', async () => {
    const created = await postOrder(
      system.ordersUrl,
      orderBody({
        paymentMethod: 'pm_card_refund_fails',
        items: [{ sku: 'SKU-DL-NONE', quantity: 1, unitPrice: 1500 }],
      }),
    );
    expect(created.status).toBe(201);
    const order = await waitForTerminal(system.ordersUrl, created.body.id);
    expect(order.status).toBe('COMPENSATION_FAILED');
    expect(order.reason).toBe('OUT_OF_STOCK');
    expect(transitions(order).slice(-2)).toEqual([
      'PAID->COMPENSATING',
      'COMPENSATING->COMPENSATION_FAILED',
    ]);
    const refund = stepOf(order, 'refund');
    expect(refund).toMatchObject({ kind: 'compensation', undoes: 'payment', status: 'FAILED' });
    expect(refund?.attempts).toBe(2);
    expect(refund?.lastError?.message).toMatch(/^REFUND\./); // the provider's 402 problem code
    expect(order.saga?.compensationFailed).toEqual(['payment']);

    const entry = await ledger(system, order.id, 'SKU-DL-NONE');
    expect(entry).toMatchObject({ charges: 1, refunds: 0 });
    expect(entry.messages).toContain('payment-refund-failed');
    const metrics = await http<string>(`${system.services['payments-adapter'].url}/metrics`);
    expect(metrics.body).toMatch(
      /saga_compensations_total\{[^}]*step="payment"[^}]*outcome="failed"[^}]*\} 1\b/,
    );
    // The operator's side, on payments-adapter's admin port only: listed, and retried. The
    // provider refuses again (this card is never refunded): 409, and nothing moves.
    const adapter = system.services['payments-adapter'];
    const listed = await http<{ items: Array<{ orderId: string; error: string }> }>(
      `${adapter.adminUrl}/admin/compensations`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((i) => i.orderId === order.id)?.error).toMatch(/^REFUND\./);
    const retried = await http<{ code: string }>(
      `${adapter.adminUrl}/admin/compensations/${order.id}/retry`,
      { method: 'POST' },
    );
    expect(retried.status).toBe(409);
    expect(retried.body.code).toBe('COMPENSATION.REFUND_REFUSED');
    // With the provider down the retry answers 503 with Retry-After and a stable code (not a
    // bare 500), and still nothing moves (the history check below).
    await setProviderKnobs(system.providerAdminUrl, { outage: true });
    try {
      const unavailable = await http<{ code: string }>(
        `${adapter.adminUrl}/admin/compensations/${order.id}/retry`,
        { method: 'POST' },
      );
      expect(unavailable.status).toBe(503);
      expect(unavailable.headers.get('retry-after')).toBe('5');
      expect(unavailable.body.code).toBe('COMPENSATION.PROVIDER_UNAVAILABLE');
    } finally {
      await setProviderKnobs(system.providerAdminUrl, { outage: false });
    }
    const onPublicPort = await http(`${adapter.url}/admin/compensations/${order.id}/retry`, {
      method: 'POST',
    });
    expect(onPublicPort.status).toBe(404);
    const malformed = await http<{ code: string }>(
      `${adapter.adminUrl}/admin/compensations/not-an-id/retry`,
      { method: 'POST' },
    );
    expect(malformed.body.code).toBe('COMPENSATION.ORDER_ID_MALFORMED');
    // The same through the CLI beside the endpoint.
    const list = await sagaCli(adapter.adminUrl, ['failed-compensations']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(order.id);
    const retry = await sagaCli(adapter.adminUrl, ['retry-compensation', order.id]);
    expect(retry.code).toBe(1);
    expect(retry.stderr).toContain('COMPENSATION.REFUND_REFUSED');
    const after = (await getOrder(system.ordersUrl, order.id)).body;
    expect(after.status).toBe('COMPENSATION_FAILED');
    expect(after.history).toEqual(order.history);
    expect((await providerRecords(system.providerUrl, order.id)).refunds).toEqual([]);

    // It gave up through the saga, not through a dead-letter topic.
    const dead = await readTopics(
      system.brokers,
      [TOPICS.ordersEvents, TOPICS.inventoryEvents, TOPICS.paymentsCommands].map(
        (t) => `${system.topicPrefix}${t}.dlt`,
      ),
    );
    expect(dead).toEqual([]);
  });

  it('times out during a provider outage: CANCELLED at its deadline, the late payment refunded once', async () => {
    await system.kill('payment-provider-sim');
    const created = await postOrder(
      system.ordersUrl,
      orderBody({
        deadlineSeconds: DEADLINE_SECONDS,
        items: [{ sku: 'SKU-DL-OUTAGE', quantity: 1, unitPrice: 990 }],
      }),
    );
    expect(created.status).toBe(201);
    const orderId = created.body.id;
    expect(Date.parse(created.body.deadline ?? '') - Date.parse(created.body.createdAt)).toBe(
      DEADLINE_SECONDS * 1_000,
    );

    // In flight: the payment is running, the inventory step is still to come.
    const waiting = await waitFor('the payment to be in progress', async () => {
      const { body } = await getOrder(system.ordersUrl, orderId);
      return body.status === 'PAYMENT_PENDING' ? body : undefined;
    });
    expect(waiting.saga).toMatchObject({
      mode,
      done: [],
      running: ['payment'],
      remaining: ['inventory'],
      compensating: [],
    });
    // The stuck-saga signal sees it: the oldest saga waiting in PAYMENT_PENDING has an age.
    await waitFor('the backlog gauge to show the waiting saga', async () => {
      const age = await metricSum(
        system.ordersUrl,
        'saga_oldest_in_flight_seconds',
        'state="PAYMENT_PENDING"',
      );
      return age > 0 ? age : undefined;
    });

    const cancelled = await waitForTerminal(system.ordersUrl, orderId, 30_000);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.reason).toBe('DEADLINE_EXCEEDED');
    expect(transitions(cancelled).slice(-2)).toEqual([
      'PAYMENT_PENDING->COMPENSATING',
      'COMPENSATING->CANCELLED',
    ]);
    // Decided by the orders service's sweeper (choreography) or the orchestrator's: same fact.
    expect(cancelled.history.at(-1)?.causedBy?.type).toBe('orders.order-deadline-exceeded.v1');
    expect(cancelled.saga?.remaining).toEqual([]);

    // The provider comes back; the charge it then makes is a late fact, refunded once.
    await system.start('payment-provider-sim');
    const after = await waitFor(
      'the late payment to be refunded',
      async () => {
        const { body } = await getOrder(system.ordersUrl, orderId);
        return stepOf(body, 'refund')?.status === 'SUCCEEDED' ? body : undefined;
      },
      60_000,
      200,
    );
    expect(after.status).toBe('CANCELLED');
    expect(after.reason).toBe('DEADLINE_EXCEEDED');
    expect(after.history).toEqual(cancelled.history);
    expect(after.lateFacts?.map((f) => f.type)).toContain('payments.payment-confirmed.v1');
    expect(after.lateFacts?.every((f) => f.orderStatus === 'CANCELLED')).toBe(true);
    expect(stepOf(after, 'payment')?.status).toBe('COMPENSATED');

    const entry = await waitFor('stock to be back', async () => {
      const e = await ledger(system, orderId, 'SKU-DL-OUTAGE');
      return e.stock.available === 10 && e.stock.reserved === 0 && e.released === e.reserved
        ? e
        : undefined;
    });
    expect(entry).toMatchObject({ charges: 1, refunds: 1 });
    expect(entry.released).toBeLessThanOrEqual(1);
  });

  it('times out while the inventory step is stuck: refund and release, each exactly once', async () => {
    await system.kill('fulfillment-service');
    const created = await postOrder(
      system.ordersUrl,
      orderBody({
        deadlineSeconds: DEADLINE_SECONDS,
        items: [{ sku: 'SKU-DL-SLOW', quantity: 2, unitPrice: 600 }],
      }),
    );
    expect(created.status).toBe(201);
    const orderId = created.body.id;
    const paid = await waitFor('the payment to succeed', async () => {
      const { body } = await getOrder(system.ordersUrl, orderId);
      return body.status === 'PAID' ? body : undefined;
    });
    expect(paid.saga).toMatchObject({ done: ['payment'], running: ['inventory'], remaining: [] });

    const givenUp = await waitFor('the deadline to give the saga up', async () => {
      const { body } = await getOrder(system.ordersUrl, orderId);
      return body.reason === 'DEADLINE_EXCEEDED' ? body : undefined;
    });
    expect(transitions(givenUp)).toContain('PAID->COMPENSATING');
    if (mode === 'orchestration') {
      // Undoing waits for the inventory's release, past the deadline: counted until it is done.
      await waitFor('the past-deadline gauge to count the saga', async () => {
        const late = await metricSum(system.ordersUrl, 'sagas_past_deadline');
        return late >= 1 ? late : undefined;
      });
    }
    await system.start('fulfillment-service');

    const cancelled = await waitForTerminal(system.ordersUrl, orderId, 60_000);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.reason).toBe('DEADLINE_EXCEEDED');
    expect(transitions(cancelled).slice(-2)).toEqual([
      'PAID->COMPENSATING',
      'COMPENSATING->CANCELLED',
    ]);
    expect(stepOf(cancelled, 'payment')?.status).toBe('COMPENSATED');

    const entry = await waitFor(
      'stock to be back',
      async () => {
        const e = await ledger(system, orderId, 'SKU-DL-SLOW');
        return e.stock.available === 10 && e.stock.reserved === 0 && e.released === e.reserved
          ? e
          : undefined;
      },
      30_000,
      250,
    );
    expect(entry).toMatchObject({ charges: 1, refunds: 1 });
    if (mode === 'orchestration') {
      // The reservation command was queued before its release: both ran, in that order, once.
      expect(entry).toMatchObject({ reserved: 1, released: 1 });
      const commands = await readTopics(
        system.brokers,
        [TOPICS.paymentsCommands, TOPICS.inventoryCommands].map((t) => `${system.topicPrefix}${t}`),
      );
      const named = commands
        .filter((m) => m.key === orderId)
        .sort((a, b) => (a.headers['ce_time'] ?? '').localeCompare(b.headers['ce_time'] ?? ''))
        .map((m) => (m.headers['ce_type'] ?? '').split('.')[1]);
      // Undone in reverse order: the inventory first, then the payment.
      expect(named).toEqual([
        'authorize-payment',
        'reserve-inventory',
        'release-inventory',
        'refund-payment',
      ]);
    } else {
      expect(entry.released).toBeLessThanOrEqual(1);
    }
  });
});
