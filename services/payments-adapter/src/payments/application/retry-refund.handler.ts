import { causedWithoutMessage } from '@order-saga/messaging';
import { parseTraceparent, type Logger, type SagaMetrics } from '@order-saga/observability';
import { DependencyUnavailableError } from '@order-saga/messaging';
import type { TransactionRunner } from '@order-saga/persistence';
import { BreakerOpenError } from '@order-saga/resilience';
import type { PaymentRepository } from '../infrastructure/payment.repository';
import { SERVICE } from '../../service';
import type { RefundPaymentHandler } from './refund-payment.handler';

export type RetryOutcome =
  | { readonly outcome: 'refunded'; readonly providerRefundId: string }
  | { readonly outcome: 'refused'; readonly detail: string }
  /** The provider is down (its breaker open, or no answer): nothing changed, try again later. */
  | { readonly outcome: 'unavailable'; readonly detail: string }
  | { readonly outcome: 'not-found' }
  | { readonly outcome: 'not-failed'; readonly status: string };

/**
 * An operator's retry of a refund that gave up (COMPENSATION_FAILED): one more call to the
 * provider, now. Success records the refund and emits PaymentRefunded, which ends the saga's
 * compensation in either mode; a refusal changes nothing but the attempt count. Safe to repeat:
 * the provider's idempotency key and the REFUND_FAILED -> REFUNDED guard make a second success a
 * no-op.
 */
export class RetryRefundHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly refunds: RefundPaymentHandler,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  async retry(orderId: string): Promise<RetryOutcome> {
    const payment = await this.payments.findByOrder(this.db, orderId);
    if (payment === undefined) return { outcome: 'not-found' };
    if (payment.status !== 'REFUND_FAILED')
      return { outcome: 'not-failed', status: payment.status };
    const reason = payment.refundReason ?? 'DEADLINE_EXCEEDED';
    const context = payment.refundContext;
    const causation = causedWithoutMessage(
      SERVICE.name,
      context?.correlationId ?? orderId,
      parseTraceparent(context?.traceparent),
    );
    const log = this.logger.child({ orderId, correlationId: causation.correlationId });
    let result: Awaited<ReturnType<RefundPaymentHandler['refundOnce']>>;
    try {
      result = await this.refunds.refundOnce(payment, causation);
    } catch (error) {
      if (!(error instanceof BreakerOpenError || error instanceof DependencyUnavailableError))
        throw error;
      log.warn({ err: error }, 'payment.refund_retry_unavailable');
      return { outcome: 'unavailable', detail: error.message };
    }
    if (result.kind === 'refused') {
      log.warn({ detail: result.detail }, 'payment.refund_retry_refused');
      return { outcome: 'refused', detail: result.detail };
    }
    const applied = await this.db.transaction((tx) =>
      this.refunds.recordRefund(
        tx,
        orderId,
        ['REFUND_FAILED'],
        result.providerRefundId,
        reason,
        causation,
      ),
    );
    if (applied) {
      this.metrics.sagaCompensations.inc({ step: 'payment', outcome: 'compensated' });
      log.info({ providerRefundId: result.providerRefundId }, 'payment.refund_retried');
    }
    return { outcome: 'refunded', providerRefundId: result.providerRefundId };
  }
}
