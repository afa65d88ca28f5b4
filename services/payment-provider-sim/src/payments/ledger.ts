import { randomUUID } from 'node:crypto';
import { outcomeFor, type Outcome } from './test-payment-methods';

export interface Payment {
  readonly id: string;
  readonly reference: string;
  readonly amount: number;
  readonly currency: string;
  /** `pending` while an asynchronous charge waits for its webhook; final afterwards. */
  status: 'pending' | 'approved' | 'declined';
  readonly declineCode: string | null;
  /** Whether the result was delivered by webhook (async mode) rather than in the answer. */
  readonly async: boolean;
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

/** One call as the processor saw it, including the ones it failed on purpose. */
export interface CallRecord {
  readonly at: string;
  readonly operation: 'authorize' | 'refund';
  readonly idempotencyKey: string;
  readonly reference: string | null;
  /** approved, declined, pending, refunded, replayed, or the fault injected (outage, http-503, timeout, reset, ...). */
  readonly outcome: string;
  readonly latencyMs: number;
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

// Enough for any test or demo run; older calls fall off so a long-running sim stays small.
const CALL_LOG_LIMIT = 10_000;

/**
 * The simulator's memory of payments, refunds and calls. Like a real processor it honours
 * Idempotency-Key: the same key and request return the original payment (in its current state),
 * so a client that retries after a timeout can never charge or refund twice. Nothing is
 * durable: a restart forgets everything, which is what a stand-in needs.
 */
export class Ledger {
  private readonly payments = new Map<string, Payment>();
  private readonly outcomes = new Map<string, Outcome>();
  private readonly refunds = new Map<string, Refund>();
  private readonly refundByPayment = new Map<string, Refund>();
  private readonly paymentKeys = new Map<string, Keyed<Payment>>();
  private readonly refundKeys = new Map<string, Keyed<Refund>>();
  private readonly callLog: CallRecord[] = [];
  private readonly outcomeCounts = new Map<string, number>();

  authorize(
    key: string,
    request: { reference: string; amount: number; currency: string; paymentMethod: string },
    mode: { async: boolean },
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
    const decided = outcome.kind === 'approve' ? 'approved' : 'declined';
    const payment: Payment = {
      id: `pay_${randomUUID()}`,
      reference: request.reference,
      amount: request.amount,
      currency: request.currency,
      status: mode.async ? 'pending' : decided,
      declineCode: outcome.kind === 'decline' ? outcome.declineCode : null,
      async: mode.async,
      createdAt: new Date().toISOString(),
    };
    this.payments.set(payment.id, payment);
    this.outcomes.set(payment.id, outcome);
    this.paymentKeys.set(key, { fingerprint, result: payment });
    return { payment, replayed: false };
  }

  /** An asynchronous payment takes its decided result (when its final webhook goes out). */
  settle(paymentId: string): Payment | undefined {
    const payment = this.payments.get(paymentId);
    const outcome = this.outcomes.get(paymentId);
    if (payment === undefined || outcome === undefined) return undefined;
    payment.status = outcome.kind === 'approve' ? 'approved' : 'declined';
    return payment;
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
    const outcome = this.outcomes.get(paymentId);
    if (outcome?.kind === 'approve' && outcome.refusesRefunds === true)
      return { error: 'REFUND_REFUSED' };
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

  recordCall(call: Omit<CallRecord, 'at'>): void {
    this.outcomeCounts.set(call.outcome, (this.outcomeCounts.get(call.outcome) ?? 0) + 1);
    this.callLog.push({ at: new Date().toISOString(), ...call });
    if (this.callLog.length > CALL_LOG_LIMIT)
      this.callLog.splice(0, this.callLog.length - CALL_LOG_LIMIT);
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

  /** Every call (the last CALL_LOG_LIMIT), optionally for one reference and since a time. */
  calls(filter: { reference?: string; since?: string } = {}): CallRecord[] {
    const since = filter.since === undefined ? undefined : Date.parse(filter.since);
    return this.callLog.filter(
      (call) =>
        (filter.reference === undefined || call.reference === filter.reference) &&
        (since === undefined || Date.parse(call.at) >= since),
    );
  }

  /** Calls since the start, by outcome: never truncated. */
  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.outcomeCounts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
