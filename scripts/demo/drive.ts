// Sends the demo's orders and follows them until each is final or its deadline passes, printing a
// line as each one settles and a progress line every few seconds while any is still running.
import {
  TERMINAL,
  getOrder,
  postOrder,
  providerRecords,
  type OrderView,
  type ProviderRecords,
} from '../system/orders-api.ts';
import { DemoError } from './config.ts';
import type { Expectation, OrderRequest } from './scenarios.ts';
import { duration, paint } from './terminal.ts';

export interface TrackedOrder {
  /** Shown in progress lines: "approved", "rush 3/6". */
  readonly label: string;
  readonly correlationId: string;
  readonly request: OrderRequest;
  /** Mutable for the rush: which of its orders get the last units is only known as they settle. */
  expect: Expectation;
  readonly id: string;
  readonly postedAtMs: number;
  /** The last GET /orders/{id}: the final view once `settled`. */
  order: OrderView;
  settled: boolean;
  records?: ProviderRecords;
}

const POLL_INTERVAL_MS = 100;
const PROGRESS_EVERY_MS = 3_000;

export async function place(
  ordersUrl: string,
  label: string,
  request: OrderRequest,
  expect: Expectation,
  correlationId: string,
): Promise<TrackedOrder> {
  const postedAtMs = Date.now();
  const created = await postOrder(ordersUrl, request, { 'x-correlation-id': correlationId });
  if (created.status !== 201)
    throw new DemoError(
      `POST /orders for "${label}" answered ${created.status}: ${JSON.stringify(created.body)}`,
    );
  return {
    label,
    correlationId,
    request,
    expect,
    id: created.body.id,
    postedAtMs,
    order: created.body,
    settled: false,
  };
}

/** Server-side saga time: from the order's creation to its last transition. */
export function sagaMs(order: OrderView): number {
  const first = order.history[0]?.at ?? order.createdAt;
  const last = order.history[order.history.length - 1]?.at ?? first;
  return Date.parse(last) - Date.parse(first);
}

function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls every unsettled order until it is in a terminal state (then fetches what the provider
 * recorded for it) or its deadline has passed. Returns the orders still unsettled at the end.
 */
export async function settle(
  urls: { orders: string; provider: string },
  orders: readonly TrackedOrder[],
  deadlineMs: number,
  signal: AbortSignal,
  onSettled: (order: TrackedOrder) => void,
): Promise<TrackedOrder[]> {
  const started = Date.now();
  let lastProgress = started;
  for (;;) {
    const now = Date.now();
    const open = orders.filter((o) => !o.settled && now - o.postedAtMs <= deadlineMs);
    if (open.length === 0) return orders.filter((o) => !o.settled);
    await Promise.all(
      open.map(async (tracked) => {
        const result = await getOrder(urls.orders, tracked.id);
        if (result.status !== 200) return; // transient: the next poll tries again
        tracked.order = result.body;
        if (!TERMINAL.includes(result.body.status)) return;
        tracked.records = await providerRecords(urls.provider, tracked.id);
        tracked.settled = true;
        onSettled(tracked);
      }),
    );
    const waiting = orders.filter((o) => !o.settled);
    // Nothing left to wait for: the next turn of the loop returns, without a "waiting for 0" line.
    if (waiting.length > 0 && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = Date.now();
      const states = waiting.map((o) => `${o.label} ${o.order.status}`).join(', ');
      console.log(
        paint.dim(
          `  … ${duration(Date.now() - started)}: waiting for ${waiting.length} (${states})`,
        ),
      );
    }
    await abortable(POLL_INTERVAL_MS, signal);
  }
}
