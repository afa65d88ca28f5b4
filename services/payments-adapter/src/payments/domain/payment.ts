import type { CancellationReason, OrderLine, PaymentFailureReason } from '@order-saga/contracts';

/** REFUND_FAILED: the refund gave up after its retry budget; an operator can retry it. */
export type PaymentStatus = 'PENDING' | 'CONFIRMED' | 'FAILED' | 'REFUNDED' | 'REFUND_FAILED';

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
  /** Why the saga asked for the refund, and the provider's last refusal (REFUND_FAILED). */
  readonly refundReason: CancellationReason | null;
  readonly refundError: string | null;
  /** The saga's correlation and trace, kept when a refund gives up so a retry rejoins them. */
  readonly refundContext: {
    readonly correlationId: string;
    readonly traceparent: string | null;
  } | null;
  /**
   * The message that asked for the charge and its saga context: an asynchronous result (webhook)
   * arrives outside any message, and its outcome event must still join the order's saga.
   * Null fields on payments recorded before webhooks existed.
   */
  readonly requestedBy: PaymentRequester;
}

export interface PaymentRequester {
  readonly messageId: string | null;
  readonly correlationId: string | null;
  readonly traceparent: string | null;
  readonly tracestate: string | null;
}

/** What the provider said about an authorization, once transport errors are ruled out. */
export type AuthorizationResult =
  | { readonly kind: 'approved'; readonly providerPaymentId: string }
  /** Accepted; the result follows as a signed webhook on POST /payments/callback. */
  | { readonly kind: 'pending'; readonly providerPaymentId: string }
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

/**
 * What a charge request means for the payment the adapter already has. A payment that is no
 * longer PENDING was decided by an earlier delivery (its inbox row committed with the decision).
 */
export function chargeStep(payment: Pick<Payment, 'status'>): 'charge' | 'already-decided' {
  return payment.status === 'PENDING' ? 'charge' : 'already-decided';
}
