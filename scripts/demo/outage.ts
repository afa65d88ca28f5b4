// The demo's provider outage: the payment provider goes down (its admin knob, what
// `npm run provider -- outage on` does), orders placed meanwhile wait visibly (PAYMENT_PENDING, or
// CREATED behind another order on their partition) while the adapter keeps trying, then the provider comes back and every one of them completes,
// charged once. The adapter's circuit breaker opens, its state is shown as it moves, and GET
// /orders/{id} says why the orders wait.
import { getOrder, http, type OrderView } from '../system/orders-api.ts';
import type { SagaSystem } from '../system/saga-system.ts';
import { waitFor } from '../system/wait.ts';
import { DemoError } from './config.ts';
import { place, settle, type TrackedOrder } from './drive.ts';
import { FULFILLED, mismatches, type OrderRequest } from './scenarios.ts';
import { duration, paint, plural, statusColour } from './terminal.ts';

export const OUTAGE = {
  orders: 3,
  // Long enough to watch the orders wait and the adapter retry (and a breaker open); short
  // enough to keep the demo brisk. The adapter's backoff is capped at 5 s, so recovery follows
  // within seconds of the provider's return.
  holdMs: 4_000,
  request(n: number): OrderRequest {
    return {
      customerId: `cus_outage_${n}`,
      currency: 'EUR',
      items: [{ sku: 'SKU-DEMO-1', quantity: 1, unitPrice: 1500 }],
      paymentMethod: 'pm_card_visa',
    };
  },
};

export interface OutageOutcome {
  readonly orders: TrackedOrder[];
  /** Provider calls answered 503 while it was down (the adapter's retries; none if a breaker held them). */
  readonly refusedCalls: number;
  readonly downMs: number;
  readonly problems: string[];
}

async function setOutage(system: SagaSystem, on: boolean): Promise<void> {
  const result = await http(`${system.providerAdminUrl}/admin/provider`, {
    method: 'PATCH',
    body: JSON.stringify({ outage: on }),
  });
  if (result.status !== 200)
    throw new DemoError(
      `turning the provider outage ${on ? 'on' : 'off'} failed: ${result.status}`,
    );
}

const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;

/** The adapter's circuit breaker around the provider, as its gauge says (0 closed, 1 half-open, 2 open). */
async function breakerState(system: SagaSystem): Promise<string | undefined> {
  const metrics = await http<string>(`${system.services['payments-adapter'].url}/metrics`).catch(
    () => undefined,
  );
  const line = metrics?.body
    .split('\n')
    .find(
      (l) => l.startsWith('circuit_breaker_state{') && l.includes('breaker="payment-provider"'),
    );
  if (line === undefined) return undefined;
  return BREAKER_STATES[Number(line.slice(line.lastIndexOf(' ') + 1))];
}

const paymentAttempts = (order: OrderView): number =>
  order.steps.find((s) => s.name === 'payment')?.attempts ?? 0;

/** Calls the provider refused for one order so far: the adapter's retries, as the provider saw them. */
async function refusedFor(system: SagaSystem, orderId: string): Promise<number> {
  const ledger = await http<{ calls: Array<{ outcome: string }> }>(
    `${system.providerAdminUrl}/admin/provider/ledger?reference=${orderId}`,
  );
  return ledger.body.calls.filter((c) => c.outcome === 'outage').length;
}

/** What GET /orders/{id} says about why the order waits: "waiting for the payment provider (...)". */
function waitingReason(order: OrderView): string | undefined {
  return order.waiting?.reason;
}

async function refusedCalls(system: SagaSystem): Promise<number> {
  const status = await http<{ calls: Record<string, number> }>(
    `${system.providerAdminUrl}/admin/provider`,
  );
  return status.body.calls['outage'] ?? 0;
}

export async function runOutage(
  system: SagaSystem,
  deadlineMs: number,
  run: string,
  signal: AbortSignal,
): Promise<OutageOutcome> {
  const refusedBefore = await refusedCalls(system);
  await setOutage(system, true);
  const downAt = Date.now();
  console.log(
    `  ${paint.red('provider down')}  ${paint.dim('(npm run provider -- outage on: every charge answers 503)')}`,
  );
  let orders: TrackedOrder[];
  try {
    orders = await Promise.all(
      Array.from({ length: OUTAGE.orders }, (_, i) =>
        place(
          system.ordersUrl,
          `outage ${i + 1}/${OUTAGE.orders}`,
          OUTAGE.request(i + 1),
          FULFILLED,
          `demo-${run}-outage-${i + 1}`,
        ),
      ),
    );
    // Watch them wait: each order's payment is retried in the call until the breaker opens, then
    // the adapter pauses and calls only to probe while the provider is down. An order whose OrderCreated sits behind another's on the same partition waits in
    // CREATED for its turn: a partition's messages are applied in order (ADR 0006).
    // The adapter's first calls are refused, or its breaker opens before any (a readiness hold).
    await waitFor(
      "the provider to refuse the adapter's first calls",
      async () =>
        (await refusedCalls(system)) > refusedBefore || (await breakerState(system)) === 'open'
          ? true
          : undefined,
      15_000,
      100,
    );
    let shown = 0;
    while (Date.now() - downAt < OUTAGE.holdMs) {
      signal.throwIfAborted();
      const views = await Promise.all(orders.map((o) => getOrder(system.ordersUrl, o.id)));
      const refused = await Promise.all(orders.map((o) => refusedFor(system, o.id)));
      const why = views.map((v) => waitingReason(v.body)).find((r) => r !== undefined);
      const breaker = await breakerState(system);
      if (Date.now() - downAt >= shown) {
        console.log(
          `  ${paint.dim(duration(Date.now() - downAt).padStart(6))}  ${views.map((v) => statusColour(v.body.status)).join(' ')}  ` +
            paint.dim(`calls refused by the provider ${refused.join(' · ')}`) +
            (breaker === undefined ? '' : `  ${paint.yellow(`breaker: ${breaker}`)}`) +
            (why === undefined ? '' : `  ${paint.dim(why)}`),
        );
        shown += 1_000;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await setOutage(system, false);
  }
  const downMs = Date.now() - downAt;
  console.log(
    `  ${paint.green('provider back')} after ${duration(downMs)}  ${paint.dim('(npm run provider -- outage off)')}`,
  );
  const unsettled = await settle(
    { orders: system.ordersUrl, provider: system.providerUrl },
    orders,
    deadlineMs,
    signal,
    (t) => {
      const fine = t.records !== undefined && mismatches(t.order, t.records, t.expect).length === 0;
      const waited =
        Date.parse(t.order.history.at(-1)?.at ?? t.order.createdAt) - Date.parse(t.order.createdAt);
      console.log(
        `  ${fine ? paint.green('✓') : paint.red('✗')} ${t.label}  ${statusColour(t.order.status)}  ` +
          paint.dim(
            `after ${duration(waited)}, ${plural(paymentAttempts(t.order), 'payment attempt')}, charged ${t.records?.payments.length ?? '?'}×`,
          ),
      );
    },
  );
  const problems = [
    ...unsettled.map((t) => `${t.label}: still ${t.order.status} after the outage (order ${t.id})`),
    ...orders.flatMap((t) =>
      t.settled && t.records
        ? mismatches(t.order, t.records, t.expect).map((p) => `${t.label}: ${p} (order ${t.id})`)
        : [],
    ),
  ];
  return { orders, refusedCalls: (await refusedCalls(system)) - refusedBefore, downMs, problems };
}
