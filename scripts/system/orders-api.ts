// The orders, fulfillment and provider-sim HTTP APIs as the e2e tests, the demo and the benchmark
// drive them: plain fetch, no client library, bodies typed as the services document them.
import { waitFor } from './wait.ts';

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface OrderStep {
  readonly name: string;
  readonly kind?: 'step' | 'compensation';
  readonly undoes?: string | null;
  readonly status: string;
  readonly attempts: number;
  readonly detail?: string | null;
  readonly lastError?: { readonly message: string; readonly at: string | null } | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface OrderTransition {
  readonly from: string | null;
  readonly to: string;
  readonly reason: string | null;
  /** The event that moved the order; null for the first transition (the POST itself). */
  readonly causedBy: { readonly messageId: string; readonly type: string } | null;
  readonly at: string;
}

export interface OrderView {
  readonly id: string;
  readonly status: string;
  readonly reason: string | null;
  readonly currency: string;
  readonly total: number;
  readonly correlationId: string;
  readonly traceId: string;
  readonly createdAt: string;
  readonly deadline?: string;
  /** The saga at a glance, from the declared definition. */
  readonly saga?: {
    readonly mode: 'choreography' | 'orchestration';
    readonly done: string[];
    readonly running: string[];
    readonly remaining: string[];
    readonly failed: string[];
    readonly compensating: string[];
    readonly compensated: string[];
    readonly compensationFailed: string[];
  };
  readonly steps: OrderStep[];
  readonly history: OrderTransition[];
  /** Facts that arrived after the saga gave up or ended. */
  readonly lateFacts?: Array<{ type: string; messageId: string; orderStatus: string; at: string }>;
  /** Why the order is not moving: its payment provider's breaker is open (or half-open). */
  readonly waiting?: {
    readonly on: string;
    readonly state: 'open' | 'half-open';
    readonly since: string;
    readonly reason: string;
  } | null;
}

/** What payment-provider-sim recorded for one order (GET /v1/records?reference=<orderId>). */
export interface ProviderRecords {
  readonly payments: ReadonlyArray<{
    readonly id: string;
    readonly reference: string;
    readonly amount: number;
    readonly currency: string;
    /** `pending` only while an asynchronous charge waits for its webhook. */
    readonly status: 'approved' | 'declined' | 'pending';
    readonly declineCode: string | null;
  }>;
  readonly refunds: ReadonlyArray<{
    readonly id: string;
    readonly paymentId: string;
    readonly reference: string;
    readonly amount: number;
    readonly currency: string;
    readonly status: string;
  }>;
}

export interface StockLevel {
  readonly sku: string;
  readonly available: number;
  readonly reserved: number;
}

export const TERMINAL = ['FULFILLED', 'CANCELLED', 'COMPENSATION_FAILED'];

export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customerId: 'customer-1',
    currency: 'EUR',
    items: [{ sku: 'SKU-DEMO-1', quantity: 2, unitPrice: 1250 }],
    paymentMethod: 'pm_card_visa',
    ...overrides,
  };
}

export async function http<T = unknown>(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export function postOrder(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult<OrderView>> {
  return http<OrderView>(`${baseUrl}/orders`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers,
  });
}

export async function waitForTerminal(
  baseUrl: string,
  orderId: string,
  timeoutMs = 60_000,
): Promise<OrderView> {
  return waitFor(
    `order ${orderId} to reach a terminal state`,
    async () => {
      const { status, body } = await http<OrderView>(`${baseUrl}/orders/${orderId}`);
      return status === 200 && TERMINAL.includes(body.status) ? body : undefined;
    },
    timeoutMs,
    50,
  );
}

/**
 * Waits until every order is terminal, polling only the unfinished ones, in rounds: one GET per
 * unfinished order, then a pause. Many orders waited for one by one (a poller each, every 50 ms)
 * would load the system under test with thousands of GETs a second.
 */
export async function waitForAllTerminal(
  baseUrl: string,
  orderIds: readonly string[],
  timeoutMs = 60_000,
  roundGapMs = 250,
): Promise<OrderView[]> {
  const settled = new Map<string, OrderView>();
  await waitFor(
    `${orderIds.length} orders to reach a terminal state`,
    async () => {
      const open = orderIds.filter((id) => !settled.has(id));
      await Promise.all(
        open.map(async (id) => {
          const { status, body } = await http<OrderView>(`${baseUrl}/orders/${id}`);
          if (status === 200 && TERMINAL.includes(body.status)) settled.set(id, body);
        }),
      );
      return settled.size === orderIds.length ? true : undefined;
    },
    timeoutMs,
    roundGapMs,
  );
  return orderIds.flatMap((id) => settled.get(id) ?? []);
}

export async function getOrder(baseUrl: string, orderId: string): Promise<HttpResult<OrderView>> {
  return http<OrderView>(`${baseUrl}/orders/${orderId}`);
}

/**
 * PATCHes payment-provider-sim's knobs on its admin port (`{ outage: true }`, `{ errorRate: 0.02 }`,
 * ...); throws when the simulator refuses them.
 */
export async function setProviderKnobs(
  providerAdminUrl: string,
  knobs: Record<string, unknown>,
): Promise<void> {
  const result = await http(`${providerAdminUrl}/admin/provider`, {
    method: 'PATCH',
    body: JSON.stringify(knobs),
  });
  if (result.status !== 200)
    throw new Error(
      `setting provider knobs ${JSON.stringify(knobs)} failed: ${result.status} ${JSON.stringify(result.body)}`,
    );
}

export async function setStock(
  fulfillmentUrl: string,
  sku: string,
  available: number,
): Promise<void> {
  const result = await http(`${fulfillmentUrl}/inventory/${sku}`, {
    method: 'PUT',
    body: JSON.stringify({ available }),
  });
  if (result.status !== 200)
    throw new Error(
      `setting stock of ${sku} failed: ${result.status} ${JSON.stringify(result.body)}`,
    );
}

export async function getStock(fulfillmentUrl: string, sku: string): Promise<StockLevel> {
  const result = await http<StockLevel>(`${fulfillmentUrl}/inventory/${sku}`);
  if (result.status !== 200)
    throw new Error(
      `reading stock of ${sku} failed: ${result.status} ${JSON.stringify(result.body)}`,
    );
  return result.body;
}

export async function providerRecords(
  providerUrl: string,
  orderId: string,
): Promise<ProviderRecords> {
  const result = await http<ProviderRecords>(
    `${providerUrl}/v1/records?reference=${encodeURIComponent(orderId)}`,
  );
  if (result.status !== 200)
    throw new Error(
      `reading provider records failed: ${result.status} ${JSON.stringify(result.body)}`,
    );
  return result.body;
}
