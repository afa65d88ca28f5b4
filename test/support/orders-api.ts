import { waitFor } from '../../scripts/system/wait.ts';

export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface OrderStep {
  readonly name: string;
  readonly status: string;
  readonly attempts: number;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface OrderView {
  readonly id: string;
  readonly status: string;
  readonly reason: string | null;
  readonly total: number;
  readonly correlationId: string;
  readonly traceId: string;
  readonly steps: OrderStep[];
  readonly history: Array<{
    from: string | null;
    to: string;
    reason: string | null;
    causedBy: { messageId: string; type: string } | null;
  }>;
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
