import { createEnvelope, type AnyEnvelope, type CancellationReason } from '@order-saga/contracts';
import { TerminalError, causedBy } from '@order-saga/messaging';
import { claimInboxMessage, inboxContains } from '@order-saga/inbox';
import { type TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { refundKey } from '../domain/payment';
import type { PaymentProviderClient } from '../infrastructure/payment-provider.client';
import type { PaymentRepository } from '../infrastructure/payment.repository';
import type { ProviderCalls } from './provider-calls';
import { CONSUMER_NAME, SERVICE_NAME } from './authorize-payment.handler';

/**
 * The saga's compensation of a payment (on InventoryFailed or RefundPayment): refund the captured payment
 * at the provider, then record it and emit PaymentRefunded in one transaction. The provider
 * refund carries an idempotency key derived from the order, so a repeat never refunds twice.
 */
export class RefundPaymentHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly provider: PaymentProviderClient,
    private readonly calls: ProviderCalls,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  /**
   * `event` is what asked for the refund: InventoryFailed (choreography) or RefundPayment
   * (orchestration); `reason` is what the saga compensates for.
   */
  async handle(
    event: AnyEnvelope,
    orderId: string,
    reason: CancellationReason,
    topic: string,
  ): Promise<void> {
    const log = this.logger.child({ orderId, correlationId: event.correlationId });
    if (await inboxContains(this.db, CONSUMER_NAME, event.id)) {
      this.metrics.inboxDuplicates.inc({ topic });
      return;
    }
    const payment = await this.payments.findByOrder(this.db, orderId);
    if (payment === undefined) {
      throw new TerminalError(
        'PAYMENT.UNKNOWN_ORDER',
        `${event.type} for order ${orderId} without a payment`,
      );
    }
    if (payment.status !== 'CONFIRMED' || payment.providerPaymentId === null) {
      // Nothing was captured (or it is already refunded): record the message, change nothing.
      await this.db.transaction((tx) => claimInboxMessage(tx, CONSUMER_NAME, event));
      log.info({ status: payment.status }, 'payment.refund_not_needed');
      return;
    }

    const causation = causedBy(event, SERVICE_NAME);
    const providerPaymentId = payment.providerPaymentId;
    const { result: providerRefundId } = await this.calls
      .run(
        { paymentId: payment.id, operation: 'refund', previousAttempts: payment.refundAttempts },
        () => this.provider.refund(providerPaymentId, refundKey(orderId), causation),
        () => 'refunded',
      )
      .catch((error: unknown) => {
        log.warn({ err: error }, 'payment.refund_failed');
        throw error; // the consumer classifies it: retried with backoff, or dead-lettered if terminal
      });

    const applied = await this.db.transaction(async (tx) => {
      if (!(await claimInboxMessage(tx, CONSUMER_NAME, event))) return false;
      const current = await this.payments.findByOrder(tx, orderId, true);
      if (current?.status !== 'CONFIRMED') return false;
      const { refundAttempts } = await this.payments.markRefunded(tx, payment.id, providerRefundId);
      await this.outbox.append(tx, [
        createEnvelope(
          'PaymentRefunded',
          orderId,
          {
            orderId,
            paymentId: payment.id,
            amount: payment.amount,
            currency: payment.currency,
            providerRefundId,
            reason,
            attempts: refundAttempts,
          },
          causation,
        ),
      ]);
      return true;
    });
    if (applied) {
      this.metrics.sagaCompensations.inc({ kind: 'refund_payment' });
      log.info({ paymentId: payment.id, providerRefundId, reason }, 'payment.refunded');
    }
  }
}
