import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { KubeApiStandIn } from '../support/kube-api-stand-in.ts';
import { metricSum } from '../support/service-metrics.ts';

// Readiness feeds the breaker (ADR 0013), on the real stack with the services as processes: the
// provider going unready holds the adapter's breaker open before any payment call is made, so
// orders placed meanwhile cost no failed call (the provider's ledger has none, the adapter's
// metrics count none); readiness coming back releases it and the orders complete, charged once.
// First with the HTTP prober (the native default), then with the adapter restarted on the
// EndpointSlice watch against a stand-in Kubernetes API server run by this test.

const SKU = 'SKU-READINESS';
const NAMESPACE = 'saga-e2e';
const PROVIDER_SERVICE = 'order-saga-payment-provider-sim';
let system: SagaSystem;
let api: KubeApiStandIn;

beforeAll(async () => {
  system = await startSagaSystem('readiness');
  await setStock(system.fulfillmentUrl, SKU, 100);
  api = new KubeApiStandIn(NAMESPACE);
  await api.start();
});

afterAll(async () => {
  await system?.stop();
  await api?.stop();
});

interface ProviderCheck {
  readonly status: string;
  readonly detail?: {
    readonly source: string;
    readonly ready: boolean | null;
    readonly reason: string | null;
    readonly breaker?: { readonly state: string; readonly held: boolean };
  };
}

const adapterUrl = (): string => system.services['payments-adapter'].url;

async function providerCheck(): Promise<{ httpStatus: number; check: ProviderCheck | undefined }> {
  const ready = await http<{ checks?: Record<string, ProviderCheck> }>(
    `${adapterUrl()}/health/ready`,
  );
  return { httpStatus: ready.status, check: ready.body.checks?.['payment-provider'] };
}

/** A sample of the adapter's /metrics, summed over the lines that carry every label given. */
const adapterMetric = (name: string, ...labels: string[]): Promise<number> =>
  metricSum(adapterUrl(), name, ...labels);

async function outage(on: boolean): Promise<void> {
  const result = await http(`${system.providerAdminUrl}/admin/provider`, {
    method: 'PATCH',
    body: JSON.stringify({ outage: on }),
  });
  expect(result.status).toBe(200);
}

async function ledgerCalls(reference: string): Promise<Array<{ outcome: string }>> {
  const ledger = await http<{ calls: Array<{ outcome: string }> }>(
    `${system.providerAdminUrl}/admin/provider/ledger?reference=${reference}`,
  );
  return ledger.body.calls;
}

async function waitForBreaker(state: 'open' | 'closed', source: string): Promise<ProviderCheck> {
  return waitFor(
    `the breaker ${state} from the ${source} source`,
    async () => {
      const { httpStatus, check } = await providerCheck();
      // The adapter itself stays ready whatever the provider does.
      expect(httpStatus).toBe(200);
      if (check?.detail?.source !== source) return undefined;
      return check.detail.breaker?.state === state ? check : undefined;
    },
    30_000,
    100,
  );
}

async function placeOrders(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await postOrder(
      system.ordersUrl,
      orderBody({ items: [{ sku: SKU, quantity: 1, unitPrice: 700 }] }),
    );
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  return ids;
}

/**
 * The orders wait for their payment (CREATED while the adapter's consumer is paused by the open
 * breaker, PAYMENT_PENDING if it took the message first) and not a single call reaches the provider.
 */
async function expectWaitingWithoutCalls(ids: readonly string[]): Promise<void> {
  // Give a call every chance to happen: an unpaused consumer makes it within milliseconds.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  for (const id of ids) {
    const order = await http<OrderView>(`${system.ordersUrl}/orders/${id}`);
    expect(['CREATED', 'PAYMENT_PENDING'], id).toContain(order.body.status);
    expect(await ledgerCalls(id), `calls for ${id}`).toEqual([]);
  }
}

async function expectCompletedOnce(ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const done = await waitForTerminal(system.ordersUrl, id, 60_000);
    expect(done.status, id).toBe('FULFILLED');
    const calls = await ledgerCalls(id);
    expect(
      calls.map((c) => c.outcome),
      `${id}: one approved charge, no failed call`,
    ).toEqual(['approved']);
  }
}

describe('the provider going unready opens the breaker before any payment call fails', () => {
  it('HTTP prober: outage -> held open, orders wait without a call -> ready -> they complete', async () => {
    const [warm] = await placeOrders(1);
    await expectCompletedOnce([warm ?? '']);
    const attemptsBefore = await adapterMetric('payment_attempts_total', 'operation="authorize"');
    const failuresBefore = await adapterMetric('payment_failures_total');

    const outageAt = Date.now();
    await outage(true);
    const held = await waitForBreaker('open', 'http');
    const heldAfterMs = Date.now() - outageAt;
    expect(held.status).toBe('degraded');
    expect(held.detail).toMatchObject({ ready: false, breaker: { held: true } });
    expect(held.detail?.reason).toContain('HTTP 503');
    expect(await adapterMetric('circuit_breaker_state', 'breaker="payment-provider"')).toBe(2);

    const ids = await placeOrders(3);
    await expectWaitingWithoutCalls(ids);
    expect(await adapterMetric('payment_attempts_total', 'operation="authorize"')).toBe(
      attemptsBefore,
    );
    expect(await adapterMetric('payment_failures_total')).toBe(failuresBefore);

    const recoveredAt = Date.now();
    await outage(false);
    await expectCompletedOnce(ids);
    await waitForBreaker('closed', 'http');
    console.log(
      `http prober: held open ${heldAfterMs} ms after the outage began; ${ids.length} orders placed while unready, ` +
        `0 provider calls until ready; all completed ${Date.now() - recoveredAt} ms after it, each charged once; ` +
        `payment_retries_total ${await adapterMetric('payment_retries_total')} / payment_attempts_total ${await adapterMetric('payment_attempts_total')}`,
    );
  });

  it('EndpointSlice watch: no ready endpoint -> held open, orders wait -> ready endpoint -> they complete', async () => {
    api.setSlice(`${PROVIDER_SERVICE}-abcde`, PROVIDER_SERVICE, [
      { address: '10.1.0.7', ready: true },
    ]);
    await system.kill('payments-adapter');
    await system.start('payments-adapter', {
      PROVIDER_WATCH: 'endpointslices',
      PROVIDER_SERVICE_NAME: PROVIDER_SERVICE,
      POD_NAMESPACE: NAMESPACE,
      KUBECONFIG: api.kubeconfig(),
    });
    await waitForBreaker('closed', 'endpointslices');
    const [warm] = await placeOrders(1);
    await expectCompletedOnce([warm ?? '']);
    const attemptsBefore = await adapterMetric('payment_attempts_total', 'operation="authorize"');

    // The API server refuses for a moment: counted and logged, the last state stands (a watch
    // that cannot look never opens the breaker), and the watch comes back by itself.
    expect(await adapterMetric('readiness_source_errors_total', 'source="endpointslices"')).toBe(0);
    api.fail(503);
    await waitFor('a counted watch failure', async () =>
      (await adapterMetric('readiness_source_errors_total', 'source="endpointslices"')) >= 1
        ? true
        : undefined,
    );
    expect((await providerCheck()).check?.detail).toMatchObject({
      ready: true,
      breaker: { state: 'closed' },
    });
    api.heal();

    // Kubernetes takes the provider pod out of its Service (its readiness probe failed), and the
    // provider really is down: a call now would fail.
    const unreadyAt = Date.now();
    api.setSlice(`${PROVIDER_SERVICE}-abcde`, PROVIDER_SERVICE, [
      { address: '10.1.0.7', ready: false },
    ]);
    const held = await waitForBreaker('open', 'endpointslices');
    const heldAfterMs = Date.now() - unreadyAt;
    expect(held.detail?.reason).toBe(`0 of 1 endpoints of Service ${PROVIDER_SERVICE} ready`);
    await outage(true);

    const ids = await placeOrders(3);
    await expectWaitingWithoutCalls(ids);
    expect(await adapterMetric('payment_attempts_total', 'operation="authorize"')).toBe(
      attemptsBefore,
    );

    // The provider recovers, then passes its probe: the endpoint is ready again.
    await outage(false);
    const readyAt = Date.now();
    api.setSlice(`${PROVIDER_SERVICE}-abcde`, PROVIDER_SERVICE, [
      { address: '10.1.0.7', ready: true },
    ]);
    await expectCompletedOnce(ids);
    await waitForBreaker('closed', 'endpointslices');
    expect(api.sliceRequests(true).length, 'the adapter watched').toBeGreaterThan(0);
    console.log(
      `endpointslices: held open ${heldAfterMs} ms after the slice went unready; ${ids.length} orders placed meanwhile, ` +
        `0 provider calls until an endpoint was ready; all completed ${Date.now() - readyAt} ms after it, each charged once`,
    );
  });
});
