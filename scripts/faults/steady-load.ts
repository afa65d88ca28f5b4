// Steady open-loop load for fault scenarios: POST /orders at a fixed rate whatever the answers,
// recording which orders were accepted and how the rest were refused.
import { orderBody } from '../system/orders-api.ts';

export interface LoadResult {
  /** Ids of the orders answered 201: the ones the system promised to finish. */
  readonly accepted: string[];
  /** Refusals by `<status> <code>`, e.g. `503 SERVICE.DATABASE_UNAVAILABLE`. */
  readonly refused: Record<string, number>;
  /** Refusals that carried no Retry-After although their status asks for one (503, 409). */
  refusedWithoutRetryAfter: number;
  /** Requests that got no HTTP answer at all (connection refused: the service was down). */
  unanswered: number;
  /** With `idempotencyKeys`: the order each request number created. */
  readonly createdBy: Map<number, string>;
}

export interface LoadOptions {
  readonly ordersUrl: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly sku: string;
  /** Unique per scenario, so its orders can be told apart. */
  readonly customerPrefix: string;
  /** Sends `Idempotency-Key: "<customerPrefix>-<n>"` with request n (see `loadRequest`). */
  readonly idempotencyKeys?: boolean;
}

/** Request n of a load: its body and headers, the same every time it is built (a retry). */
export function loadRequest(
  options: LoadOptions,
  n: number,
): { body: string; headers: Record<string, string> } {
  return {
    body: JSON.stringify(
      orderBody({
        customerId: `${options.customerPrefix}-${n}`,
        items: [{ sku: options.sku, quantity: 1, unitPrice: 500 }],
      }),
    ),
    headers: {
      'content-type': 'application/json',
      ...(options.idempotencyKeys === true
        ? { 'idempotency-key': `"${options.customerPrefix}-${n}"` }
        : {}),
    },
  };
}

/** `createdBy` fills while the load runs (a fault reads it mid-load); it is the result's map too. */
export async function steadyLoad(
  options: LoadOptions,
  createdBy = new Map<number, string>(),
): Promise<LoadResult> {
  const result: LoadResult = {
    accepted: [],
    refused: {},
    refusedWithoutRetryAfter: 0,
    unanswered: 0,
    createdBy,
  };
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / options.ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(place(options, n, result));
  }
  await Promise.all(inFlight);
  return result;
}

async function place(options: LoadOptions, n: number, result: LoadResult): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${options.ordersUrl}/orders`, {
      method: 'POST',
      ...loadRequest(options, n),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    result.unanswered++;
    return;
  }
  const body = (await response.json().catch(() => ({}))) as { id?: string; code?: string };
  if (response.status === 201 && body.id !== undefined) {
    result.accepted.push(body.id);
    result.createdBy.set(n, body.id);
    return;
  }
  const reason = `${response.status} ${body.code ?? ''}`.trim();
  result.refused[reason] = (result.refused[reason] ?? 0) + 1;
  if ((response.status === 503 || response.status === 409) && !response.headers.has('retry-after'))
    result.refusedWithoutRetryAfter++;
}
