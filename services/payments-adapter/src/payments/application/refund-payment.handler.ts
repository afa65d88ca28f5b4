import {
  createEnvelope,
  type AnyEnvelope,
  type CancellationReason,
  type Causation,
  type ErrorCode,
} from '@order-saga/contracts';
import { TerminalError, causedBy, type Delivery } from '@order-saga/messaging';
import type { SqlExecutor } from '@order-saga/persistence';
import { BreakerOpenError } from '@order-saga/resilience';
import { refundKey, type Payment } from '../domain/payment';
import { SERVICE } from '../../service';
import type { ProviderWork } from './payments-context';

/** A refund the provider refused, still within its retry budget: the consumer retries it. */
export class RefundRefusedError extends Error {
  override readonly name = 'RefundRefusedError';
  readonly code: ErrorCode = 'PROVIDER.REFUND_REFUSED';
}

/**
 * The saga's compensation of a payment (on InventoryFailed or OrderDeadlineExceeded in
 * choreography, RefundPayment in orchestration): refund the captured payment at the provider,
 * then record it and emit PaymentRefunded in one transaction. The provider refund carries an
 * idempotency key derived from the order, so a repeat never refunds twice.
 *
 * A refusal is retried with the consumer's backoff until the refund's own budget
 * (`maxRefusals`, counted durably in payment_attempts) is spent; then the refund gives up:
 * the payment is marked REFUND_FAILED and PaymentRefundFailed tells the saga, which stops
 * (COMPENSATION_FAILED) instead of retrying forever. An outage (no answer) is not a refusal: it
 * is waited out like any provider outage.
 */
export class RefundPaymentHandler {
  constructor(
    private readonly work: ProviderWork,
    /** Refusals before the refund gives up (REFUND_MAX_REFUSALS). */
    private readonly maxRefusals: number,
  ) {}

  /**
   * `event` is what asked for the refund: InventoryFailed or OrderDeadlineExceeded
   * (choreography), RefundPayment (orchestration); `reason` is what the saga compensates for.
   */
  async handle(
    event: AnyEnvelope,
    orderId: string,
    reason: CancellationReason,
    delivery: Delivery,
  ): Promise<void> {
    const log = this.work.logger.child({ orderId, correlationId: event.correlationId, reason });
    if (await this.work.inbox.alreadyApplied(event, delivery)) return;
    const payment = await this.work.payments.findByOrder(this.work.db, orderId);
    if (payment === undefined && event.name !== 'OrderDeadlineExceeded') {
      throw new TerminalError(
        'PAYMENT.UNKNOWN_ORDER',
        `${event.type} for order ${orderId} without a payment`,
      );
    }
    if (payment?.status !== 'CONFIRMED' || payment.providerPaymentId === null) {
      // Nothing was captured (or it is already refunded): record the message, change nothing.
      await this.work.inbox.apply(event, delivery, () => Promise.resolve({ result: undefined }));
      if (payment?.status !== 'REFUNDED')
        this.work.metrics.sagaCompensations.inc({ step: 'payment', outcome: 'not_needed' });
      log.info({ status: payment?.status ?? 'none' }, 'payment.refund_not_needed');
      return;
    }

    const causation = causedBy(event, SERVICE.name);
    const result = await this.refundOnce(payment, causation).catch((error: unknown) => {
      if (!(error instanceof BreakerOpenError))
        log.warn({ err: error }, 'payment.refund_unavailable');
      throw error; // the consumer classifies it: an outage is waited out
    });

    if (result.kind === 'refused') {
      const refusals = await this.work.payments.refusedRefunds(this.work.db, payment.id);
      if (refusals < this.maxRefusals) {
        log.warn(
          { refusals, budget: this.maxRefusals, detail: result.detail },
          'payment.refund_refused',
        );
        throw new RefundRefusedError(
          `refund refused (${refusals} of ${this.maxRefusals}): ${result.detail}`,
        );
      }
      const gaveUp = await this.work.inbox.apply(event, delivery, async (tx) => ({
        result: await this.recordGiveUp(tx, orderId, reason, result.detail, refusals, causation),
      }));
      if (!gaveUp.duplicate && gaveUp.result) {
        this.work.metrics.sagaCompensations.inc({ step: 'payment', outcome: 'failed' });
        log.error(
          { paymentId: payment.id, refusals, detail: result.detail },
          'payment.refund_gave_up',
        );
      }
      return;
    }

    const applied = await this.work.inbox.apply(event, delivery, async (tx) => ({
      result: await this.recordRefund(
        tx,
        orderId,
        ['CONFIRMED'],
        result.providerRefundId,
        reason,
        causation,
      ),
    }));
    if (!applied.duplicate && applied.result) {
      this.work.metrics.sagaCompensations.inc({ step: 'payment', outcome: 'compensated' });
      log.info(
        { paymentId: payment.id, providerRefundId: result.providerRefundId },
        'payment.refunded',
      );
    }
  }

  /** One refund call to the provider, recorded as an attempt whatever its outcome. */
  async refundOnce(payment: Payment, causation: Causation) {
    const providerPaymentId = payment.providerPaymentId ?? '';
    const { result } = await this.work.calls.run(
      { paymentId: payment.id, operation: 'refund', previousAttempts: payment.refundAttempts },
      () => this.work.provider.refund(providerPaymentId, refundKey(payment.orderId), causation),
      (outcome) => outcome.kind,
    );
    return result;
  }

  /** Marks the payment refunded and emits PaymentRefunded, if it is still in one of `from`. */
  async recordRefund(
    tx: SqlExecutor,
    orderId: string,
    from: ReadonlyArray<Payment['status']>,
    providerRefundId: string,
    reason: CancellationReason,
    causation: Causation,
  ): Promise<boolean> {
    const current = await this.work.payments.findByOrder(tx, orderId, true);
    if (current === undefined || !from.includes(current.status)) return false;
    const { refundAttempts } = await this.work.payments.markRefunded(
      tx,
      current.id,
      providerRefundId,
      reason,
    );
    await this.work.outbox.append(tx, [
      createEnvelope(
        'PaymentRefunded',
        orderId,
        {
          orderId,
          paymentId: current.id,
          amount: current.amount,
          currency: current.currency,
          providerRefundId,
          reason,
          attempts: refundAttempts,
        },
        causation,
      ),
    ]);
    return true;
  }

  private async recordGiveUp(
    tx: SqlExecutor,
    orderId: string,
    reason: CancellationReason,
    error: string,
    attempts: number,
    causation: Causation,
  ): Promise<boolean> {
    const current = await this.work.payments.findByOrder(tx, orderId, true);
    if (current?.status !== 'CONFIRMED') return false;
    await this.work.payments.markRefundFailed(tx, current.id, reason, error, {
      correlationId: causation.correlationId,
      traceparent: causation.traceparent,
    });
    await this.work.outbox.append(tx, [
      createEnvelope(
        'PaymentRefundFailed',
        orderId,
        { orderId, paymentId: current.id, reason, error, attempts },
        causation,
      ),
    ]);
    return true;
  }
}
