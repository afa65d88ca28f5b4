// The demo's orders: one per saga path, a rush for scarce stock, and the order whose deadline
// passes while the payment provider is stopped; each is followed to its final state.
import {
  TERMINAL,
  getOrder,
  providerRecords,
  setStock,
  type OrderView,
} from '../system/orders-api.ts';
import type { SagaSystem } from '../system/saga-system.ts';
import { waitFor } from '../system/wait.ts';
import { DemoError, type DemoConfig } from './config.ts';
import { place, sagaMs, settle, type TrackedOrder } from './drive.ts';
import type { DemoLifecycle } from './lifecycle.ts';
import type { OutageOutcome } from './outage.ts';
import { finalState } from './report.ts';
import {
  FULFILLED,
  REFUNDED_OUT_OF_STOCK,
  RUSH,
  SCENARIOS,
  STOCK,
  TIMED_OUT,
  mismatches,
} from './scenarios.ts';
import { bad, duration, heading, ok, padEnd, padStart, paint, plural } from './terminal.ts';

// Wide enough for the longest final state, "CANCELLED OUT_OF_STOCK", and a gap.
const STATE_WIDTH = 28;

async function stockShelves(system: SagaSystem): Promise<void> {
  await Promise.all(
    Object.entries(STOCK).map(([sku, available]) =>
      setStock(system.fulfillmentUrl, sku, available),
    ),
  );
  const shelf = Object.entries(STOCK).map(([sku, n]) => `${sku} ${n.toLocaleString('en')}`);
  console.log(`  stock set: ${shelf.join(' · ')}`);
}

/** Every order the run placed, by scenario. */
export interface Outcome {
  readonly singles: TrackedOrder[];
  readonly rush: TrackedOrder[];
  timedOut?: TrackedOrder;
  outage?: OutageOutcome;
}

async function waitForOrder(
  system: SagaSystem,
  signal: AbortSignal,
  tracked: TrackedOrder,
  what: string,
  done: (order: OrderView) => boolean,
  timeoutMs: number,
): Promise<void> {
  try {
    await waitFor(
      what,
      async () => {
        signal.throwIfAborted();
        const { status, body } = await getOrder(system.ordersUrl, tracked.id);
        if (status === 200) tracked.order = body;
        return status === 200 && done(body) ? true : undefined;
      },
      timeoutMs,
      100,
    );
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new DemoError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * The timed-out order, alone: the payment provider is stopped for longer than the order's
 * deadline, so the saga gives up (CANCELLED, DEADLINE_EXCEEDED); once the provider is back, the
 * charge it makes arrives late and is refunded, and the order stays CANCELLED.
 */
export async function sendTimedOut(
  system: SagaSystem,
  config: DemoConfig,
  run: string,
  lifecycle: DemoLifecycle,
): Promise<TrackedOrder> {
  heading('A provider outage longer than the saga deadline');
  const provider = system.services['payment-provider-sim'];
  await lifecycle.stopOnPurpose(system, provider.name);
  const tracked = await place(
    system.ordersUrl,
    TIMED_OUT.key,
    TIMED_OUT.request,
    TIMED_OUT.expect,
    `demo-${run}-${TIMED_OUT.key}`,
  );
  console.log(
    `  payment-provider-sim stopped; order ${tracked.id.slice(0, 8)} sent with a ${TIMED_OUT.request.deadlineSeconds ?? '?'} s deadline`,
  );
  await waitForOrder(
    system,
    lifecycle.signal,
    tracked,
    `order ${tracked.id} to be given up at its deadline`,
    (o) => TERMINAL.includes(o.status),
    config.deadlineMs,
  );
  console.log(
    `  ${ok(`${finalState(tracked.order)}`)} at its deadline; starting payment-provider-sim again`,
  );
  await lifecycle.startAgain(system, provider.name);
  await waitForOrder(
    system,
    lifecycle.signal,
    tracked,
    `the late charge of order ${tracked.id} to be refunded`,
    (o) => o.steps.some((step) => step.name === 'refund' && step.status === 'SUCCEEDED'),
    config.deadlineMs,
  );
  tracked.records = await providerRecords(system.providerUrl, tracked.id);
  tracked.settled = true;
  const fine = mismatches(tracked.order, tracked.records, tracked.expect).length === 0;
  console.log(
    `  ${fine ? paint.green('✓') : paint.red('✗')} the provider charged it after the deadline; refunded, still ${finalState(tracked.order)}`,
  );
  return tracked;
}

export async function sendOrders(
  system: SagaSystem,
  config: DemoConfig,
  run: string,
  signal: AbortSignal,
): Promise<Outcome> {
  heading('Orders');
  await stockShelves(system);
  const correlation = (key: string): string => `demo-${run}-${key}`;
  const [singles, rush] = await Promise.all([
    Promise.all(
      SCENARIOS.map((s) => place(system.ordersUrl, s.key, s.request, s.expect, correlation(s.key))),
    ),
    // All at once: the rush is about concurrent reservations of the last units.
    Promise.all(
      Array.from({ length: RUSH.orders }, (_, i) =>
        place(
          system.ordersUrl,
          `rush ${i + 1}/${RUSH.orders}`,
          RUSH.request(i + 1),
          // Until it settles: which orders get the last units is a race (see onSettled below).
          FULFILLED,
          correlation(`rush-${i + 1}`),
        ),
      ),
    ),
  ]);
  console.log(
    `  sent ${plural(singles.length + rush.length, 'order')}: ${singles.map((s) => s.label).join(', ')}, ` +
      `and ${RUSH.orders} at once for ${RUSH.sku} (${RUSH.stock} in stock)`,
  );
  const all = [...singles, ...rush];
  const labelWidth = Math.max(...all.map((t) => t.label.length));
  const unsettled = await settle(
    { orders: system.ordersUrl, provider: system.providerUrl },
    all,
    config.deadlineMs,
    signal,
    (t) => {
      // onSettled: which rush orders get the last units is a race; the others must be refunded.
      if (rush.includes(t) && t.order.status !== 'FULFILLED') t.expect = REFUNDED_OUT_OF_STOCK;
      const fine = t.records !== undefined && mismatches(t.order, t.records, t.expect).length === 0;
      const state = padEnd(finalState(t.order), STATE_WIDTH);
      const took = paint.dim(padStart(duration(sagaMs(t.order)), 7));
      console.log(
        `  ${fine ? paint.green('✓') : paint.red('✗')} ${t.label.padEnd(labelWidth)}  ${state}${took}`,
      );
    },
  );
  for (const t of unsettled)
    console.log(
      `  ${bad(`${t.label.padEnd(labelWidth)}  still ${t.order.status} after ${duration(config.deadlineMs)}`)}`,
    );
  return { singles, rush };
}

/** Every way the run went wrong, as lines for the final message; empty on success. */
export function failures(outcome: Outcome): string[] {
  const problems: string[] = [];
  const timedOut = outcome.timedOut === undefined ? [] : [outcome.timedOut];
  for (const t of [...outcome.singles, ...outcome.rush, ...timedOut]) {
    if (!t.settled) problems.push(`${t.label}: still ${t.order.status} (order ${t.id})`);
    else if (t.records)
      for (const p of mismatches(t.order, t.records, t.expect))
        problems.push(`${t.label}: ${p} (order ${t.id})`);
  }
  const fulfilled = outcome.rush.filter((t) => t.order.status === 'FULFILLED').length;
  if (outcome.rush.every((t) => t.settled) && fulfilled !== RUSH.stock)
    problems.push(`rush: ${fulfilled} orders fulfilled from a stock of ${RUSH.stock}`);
  problems.push(...(outcome.outage?.problems ?? []));
  return problems;
}
