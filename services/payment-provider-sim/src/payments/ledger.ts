import { randomUUID } from 'node:crypto';
import { outcomeFor } from './test-payment-methods';

export interface Payment {
  readonly id: string;
  readonly reference: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'approved' | 'declined';
  readonly declineCode: string | null;
  readonly createdAt: string;
}

export interface Refund {
  readonly id: string;
  readonly paymentId: string;
  readonly reference: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'succeeded';
  readonly createdAt: string;
}

export type LedgerError =
  | { readonly error: 'UNKNOWN_PAYMENT_METHOD' }
  | { readonly error: 'IDEMPOTENCY_KEY_REUSED' }
  | { readonly error: 'PAYMENT_NOT_FOUND' }
  | { readonly error: 'PAYMENT_NOT_REFUNDABLE' }
  | { readonly error: 'REFUND_REFUSED' };

interface Keyed<T> {
  readonly fingerprint: string;
  readonly result: T;
}

/**
 * The simulator's memory of payments and refunds. Like a real processor it honours
 * Idempotency-Key: the same key and request return the original result, so a client that
 * retries after a timeout can never charge or refund twice. Nothing is durable: a restart
 * forgets everything, which is what a stand-in needs.
 */
export class Ledger {
  private readonly payments = new Map<string, Payment>();
  private readonly refunds = new Map<string, Refund>();
  private readonly refundByPayment = new Map<string, Refund>();
  private readonly paymentKeys = new Map<string, Keyed<Payment>>();
  private readonly refundKeys = new Map<string, Keyed<Refund>>();
  /** Payments whose card refuses refunds (pm_card_refund_fails). */
  private readonly unrefundable = new Set<string>();

  authorize(
    key: string,
    request: { reference: string; amount: number; currency: string; paymentMethod: string },
  ): { payment: Payment; replayed: boolean } | LedgerError {
    const fingerprint = JSON.stringify([
      request.reference,
      request.amount,
      request.currency,
      request.paymentMethod,
    ]);
    const previous = this.paymentKeys.get(key);
    if (previous !== undefined) {
      return previous.fingerprint === fingerprint
        ? { payment: previous.result, replayed: true }
        : { error: 'IDEMPOTENCY_KEY_REUSED' };
    }
    const outcome = outcomeFor(request.paymentMethod);
    if (outcome === undefined) return { error: 'UNKNOWN_PAYMENT_METHOD' };
    const payment: Payment = {
      id: `pay_${randomUUID()}`,
      reference: request.reference,
      amount: request.amount,
      currency: request.currency,
      status: outcome.kind === 'approve' ? 'approved' : 'declined',
      declineCode: outcome.kind === 'decline' ? outcome.declineCode : null,
      createdAt: new Date().toISOString(),
    };
    this.payments.set(payment.id, payment);
    this.paymentKeys.set(key, { fingerprint, result: payment });
    if (outcome.kind === 'approve' && outcome.refusesRefunds === true)
      this.unrefundable.add(payment.id);
    return { payment, replayed: false };
  }

  refund(key: string, paymentId: string): { refund: Refund; replayed: boolean } | LedgerError {
    const previous = this.refundKeys.get(key);
    if (previous !== undefined) {
      return previous.fingerprint === paymentId
        ? { refund: previous.result, replayed: true }
        : { error: 'IDEMPOTENCY_KEY_REUSED' };
    }
    const payment = this.payments.get(paymentId);
    if (payment === undefined) return { error: 'PAYMENT_NOT_FOUND' };
    if (payment.status !== 'approved') return { error: 'PAYMENT_NOT_REFUNDABLE' };
    // Refused before any refund is recorded, so a refusal is never replayed as a success.
    if (this.unrefundable.has(paymentId)) return { error: 'REFUND_REFUSED' };
    // A payment is refunded in full at most once, whatever key a client uses.
    const existing = this.refundByPayment.get(paymentId);
    if (existing !== undefined) return { refund: existing, replayed: true };
    const refund: Refund = {
      id: `re_${randomUUID()}`,
      paymentId,
      reference: payment.reference,
      amount: payment.amount,
      currency: payment.currency,
      status: 'succeeded',
      createdAt: new Date().toISOString(),
    };
    this.refunds.set(refund.id, refund);
    this.refundByPayment.set(paymentId, refund);
    this.refundKeys.set(key, { fingerprint: paymentId, result: refund });
    return { refund, replayed: false };
  }

  payment(id: string): Payment | undefined {
    return this.payments.get(id);
  }

  /** Records for one order reference, or all of them: what tests and the demo inspect. */
  records(reference?: string): { payments: Payment[]; refunds: Refund[] } {
    const matches = <T extends { reference: string }>(item: T): boolean =>
      reference === undefined || item.reference === reference;
    return {
      payments: [...this.payments.values()].filter(matches),
      refunds: [...this.refunds.values()].filter(matches),
    };
  }
}
