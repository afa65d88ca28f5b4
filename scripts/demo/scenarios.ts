// What the demo sends and what it expects back: one order per saga path, then a rush of
// concurrent orders for a SKU with less stock than demand.
import type { OrderView, ProviderRecords } from '../system/orders-api.ts';

export interface OrderRequest {
  readonly customerId: string;
  readonly currency: string;
  readonly items: ReadonlyArray<{ sku: string; quantity: number; unitPrice: number }>;
  readonly paymentMethod: string;
  /** The order's own saga deadline (the deployment's otherwise). */
  readonly deadlineSeconds?: number;
}

export interface Expectation {
  readonly status: 'FULFILLED' | 'CANCELLED' | 'COMPENSATION_FAILED';
  readonly reason: string | null;
  /** What payment-provider-sim must have recorded for the order. */
  readonly payment: 'approved' | 'declined';
  readonly refunded: boolean;
}

export interface Scenario {
  /** Short, used in progress lines and in the order's correlation id. */
  readonly key: string;
  readonly title: string;
  readonly request: OrderRequest;
  readonly expect: Expectation;
}

export const FULFILLED: Expectation = {
  status: 'FULFILLED',
  reason: null,
  payment: 'approved',
  refunded: false,
};
export const REFUNDED_OUT_OF_STOCK: Expectation = {
  status: 'CANCELLED',
  reason: 'OUT_OF_STOCK',
  payment: 'approved',
  refunded: true,
};

// Test payment methods of payment-provider-sim: the token alone decides the outcome.
const APPROVES = 'pm_card_visa';
const DECLINES = 'pm_card_declined';
const NEVER_REFUNDED = 'pm_card_refund_fails';

export const SCENARIOS: readonly Scenario[] = [
  {
    key: 'approved',
    title: 'Card approved, goods in stock',
    request: {
      customerId: 'cus_ada',
      currency: 'EUR',
      items: [
        { sku: 'SKU-DEMO-1', quantity: 2, unitPrice: 1250 },
        { sku: 'SKU-DEMO-2', quantity: 1, unitPrice: 4999 },
      ],
      paymentMethod: APPROVES,
    },
    expect: FULFILLED,
  },
  {
    key: 'declined',
    title: 'Card declined: cancelled before any stock is touched',
    request: {
      customerId: 'cus_grace',
      currency: 'EUR',
      items: [{ sku: 'SKU-DEMO-1', quantity: 1, unitPrice: 1250 }],
      paymentMethod: DECLINES,
    },
    expect: {
      status: 'CANCELLED',
      reason: 'PAYMENT_DECLINED',
      payment: 'declined',
      refunded: false,
    },
  },
  {
    key: 'out-of-stock',
    title: 'Paid, then out of stock: the payment is refunded (compensation)',
    request: {
      customerId: 'cus_linus',
      currency: 'EUR',
      items: [{ sku: 'SKU-SOLD-OUT', quantity: 1, unitPrice: 4200 }],
      paymentMethod: APPROVES,
    },
    expect: REFUNDED_OUT_OF_STOCK,
  },
  {
    key: 'refund-fails',
    title: 'Paid, out of stock, and the refund is refused: COMPENSATION_FAILED, for an operator',
    request: {
      customerId: 'cus_barbara',
      currency: 'EUR',
      items: [{ sku: 'SKU-SOLD-OUT', quantity: 1, unitPrice: 3100 }],
      paymentMethod: NEVER_REFUNDED,
    },
    expect: {
      status: 'COMPENSATION_FAILED',
      reason: 'OUT_OF_STOCK',
      payment: 'approved',
      refunded: false,
    },
  },
];

/**
 * Run alone, after the others: the payment provider is down for longer than this order's short
 * deadline. The saga gives up (CANCELLED, DEADLINE_EXCEEDED); when the provider is back, the
 * charge it makes is a late fact, refunded, and the order stays CANCELLED.
 */
export const TIMED_OUT: Scenario = {
  key: 'timed-out',
  title: 'Provider down longer than the saga deadline: cancelled on time, the late charge refunded',
  request: {
    customerId: 'cus_edsger',
    currency: 'EUR',
    items: [{ sku: 'SKU-DEMO-1', quantity: 1, unitPrice: 990 }],
    paymentMethod: APPROVES,
    deadlineSeconds: 2,
  },
  expect: { status: 'CANCELLED', reason: 'DEADLINE_EXCEEDED', payment: 'approved', refunded: true },
};

/** Concurrent orders of one unit each for a SKU with `stock` units: exactly `stock` succeed. */
export const RUSH = {
  sku: 'SKU-LIMITED',
  stock: 3,
  orders: 6,
  request(n: number): OrderRequest {
    return {
      customerId: `cus_rush_${n}`,
      currency: 'EUR',
      items: [{ sku: this.sku, quantity: 1, unitPrice: 1999 }],
      paymentMethod: APPROVES,
    };
  },
};

/** Set at the start of every run, so re-running the demo always tells the same story. */
export const STOCK: Readonly<Record<string, number>> = {
  'SKU-DEMO-1': 1_000_000,
  'SKU-DEMO-2': 1_000_000,
  'SKU-SOLD-OUT': 0,
  [RUSH.sku]: RUSH.stock,
};

/** Where the order and the provider's records differ from the expectation; empty when all match. */
export function mismatches(
  order: OrderView,
  records: ProviderRecords,
  expect: Expectation,
): string[] {
  const problems: string[] = [];
  if (order.status !== expect.status || order.reason !== expect.reason) {
    const wanted = expect.reason === null ? expect.status : `${expect.status} (${expect.reason})`;
    const got = order.reason === null ? order.status : `${order.status} (${order.reason})`;
    problems.push(`ended ${got}, expected ${wanted}`);
  }
  const payments = records.payments.map((p) => p.status);
  if (payments.length !== 1 || payments[0] !== expect.payment)
    problems.push(
      `provider recorded payments [${payments.join(', ')}], expected one ${expect.payment}`,
    );
  const refunds = records.refunds.length;
  if (refunds !== (expect.refunded ? 1 : 0))
    problems.push(`provider recorded ${refunds} refunds, expected ${expect.refunded ? 1 : 0}`);
  return problems;
}
