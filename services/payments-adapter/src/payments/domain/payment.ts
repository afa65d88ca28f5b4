import type { OrderLine, PaymentFailureReason } from '@order-saga/contracts';

export type PaymentStatus = 'PENDING' | 'CONFIRMED' | 'FAILED' | 'REFUNDED';

export interface Payment {
  readonly id: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: string;
  readonly status: PaymentStatus;
  readonly providerPaymentId: string | null;
  /** Provider calls made to authorize / to refund, including failed ones. */
  readonly attempts: number;
  readonly refundAttempts: number;
  readonly items: readonly OrderLine[];
}

/** What the provider said about an authorization, once transport errors are ruled out. */
export type AuthorizationResult =
  | { readonly kind: 'approved'; readonly providerPaymentId: string }
  | { readonly kind: 'declined'; readonly declineCode: string }
  | { readonly kind: 'rejected'; readonly reason: PaymentFailureReason; readonly detail: string };

/**
 * The provider's idempotency keys derive from the order id: a redelivered OrderCreated, a
 * restarted adapter or a second replica all send the same key, so the customer is charged at
 * most once per order and refunded at most once.
 */
export function authorizationKey(orderId: string): string {
  return `order:${orderId}:authorize`;
}

export function refundKey(orderId: string): string {
  return `order:${orderId}:refund`;
}
