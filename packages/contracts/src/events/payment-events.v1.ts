import { z } from 'zod';
import { Currency, MinorUnits, OrderId, OrderLines } from '../common';
import { CancellationReason } from './order-events.v1';

/** Provider calls made for this outcome (1 = no retry). */
const Attempts = z.number().int().positive();

const PaymentRef = {
  orderId: OrderId,
  paymentId: z.uuid(),
};

export const PaymentInitiatedV1 = z.strictObject({
  ...PaymentRef,
  amount: MinorUnits,
  currency: Currency,
});
export type PaymentInitiatedV1 = z.infer<typeof PaymentInitiatedV1>;

export const PaymentConfirmedV1 = z.strictObject({
  ...PaymentRef,
  amount: MinorUnits,
  currency: Currency,
  providerPaymentId: z.string().min(1),
  attempts: Attempts,
  /**
   * The order lines travel with the payment (event-carried state transfer), so the
   * fulfillment service can reserve stock without reading the orders database.
   */
  items: OrderLines,
});
export type PaymentConfirmedV1 = z.infer<typeof PaymentConfirmedV1>;

export const PaymentFailureReason = z.enum([
  'DECLINED',
  'PROVIDER_ERROR',
  'INVALID_PAYMENT_METHOD',
]);
export type PaymentFailureReason = z.infer<typeof PaymentFailureReason>;

export const PaymentFailedV1 = z.strictObject({
  ...PaymentRef,
  reason: PaymentFailureReason,
  detail: z.string().max(500),
  attempts: Attempts,
});
export type PaymentFailedV1 = z.infer<typeof PaymentFailedV1>;

export const PaymentRefundedV1 = z.strictObject({
  ...PaymentRef,
  amount: MinorUnits,
  currency: Currency,
  providerRefundId: z.string().min(1),
  /** Why the saga compensated; lets a reader cancel the order even if it saw no other cause. */
  reason: CancellationReason,
  attempts: Attempts,
});
export type PaymentRefundedV1 = z.infer<typeof PaymentRefundedV1>;

/**
 * A refund the provider kept refusing until the refund's own retry budget ran out. The saga
 * stops retrying and the order moves to COMPENSATION_FAILED; an operator can retry it.
 */
export const PaymentRefundFailedV1 = z.strictObject({
  ...PaymentRef,
  reason: CancellationReason,
  /** The provider's last answer, for the operator. */
  error: z.string().min(1).max(500),
  attempts: Attempts,
});
export type PaymentRefundFailedV1 = z.infer<typeof PaymentRefundFailedV1>;

/**
 * The payments adapter's circuit breaker around the payment provider changed state. Not about one
 * order: its subject (and record key) is the dependency's name, so every change lands on one
 * partition, in order. The orders service keeps the latest and shows it on the orders waiting
 * for their payment ("waiting for the payment provider (breaker open since ...)"): while the
 * breaker is open the adapter pauses its consumption, so no per-order message could say it.
 */
export const PaymentProviderStatusChangedV1 = z.strictObject({
  dependency: z.literal('payment-provider'),
  state: z.enum(['closed', 'half-open', 'open']),
  /** When the breaker opened; null once closed. */
  openedAt: z.iso.datetime().nullable(),
  /** Why it opened: the failures that tripped it, or a readiness source's hold. */
  reason: z.string().max(500).nullable(),
  /** When the change happened; a reader keeps the latest (replicas may both report one). */
  changedAt: z.iso.datetime(),
});
export type PaymentProviderStatusChangedV1 = z.infer<typeof PaymentProviderStatusChangedV1>;
