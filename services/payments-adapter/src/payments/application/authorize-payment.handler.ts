import { createEnvelope, type AnyEnvelope, type OrderLine } from '@order-saga/contracts';
import { causedBy } from '@order-saga/messaging';
import { claimInboxMessage } from '@order-saga/inbox';
import { type TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { authorizationKey } from '../domain/payment';
import type { PaymentProviderClient } from '../infrastructure/payment-provider.client';
import type { PaymentRepository } from '../infrastructure/payment.repository';
import type { ProviderCalls } from './provider-calls';
import { recordAuthorization, reportAuthorization } from './record-authorization';

export const SERVICE_NAME = 'payments-adapter';
export const CONSUMER_NAME = 'payments-adapter.saga';

/** A charge to make, whichever message asked for it. */
export interface PaymentRequest {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: string;
  readonly items: readonly OrderLine[];
}

/**
 * Charges an order (on OrderCreated or AuthorizePayment). Three steps, each safe to repeat:
 *  1. record the PENDING payment and PaymentInitiated (once per order, whatever the redeliveries);
 *  2. call the provider with an idempotency key derived from the order id;
 *  3. in one transaction: claim the message in the inbox, record the outcome, emit
 *     PaymentConfirmed or PaymentFailed.
 * A crash between 1 and 3 redelivers the message; step 2 then replays at the provider.
 */
export class AuthorizePaymentHandler {
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
   * `event` is what asked for the charge: OrderCreated (choreography) or AuthorizePayment
   * (orchestration); `order` is the charge it describes.
   */
  async handle(event: AnyEnvelope, order: PaymentRequest, topic: string): Promise<void> {
    const log = this.logger.child({ orderId: order.orderId, correlationId: event.correlationId });
    const payment = await this.db.transaction(async (tx) => {
      const result = await this.payments.createPending(tx, {
        orderId: order.orderId,
        amount: order.amount,
        currency: order.currency,
        paymentMethod: order.paymentMethod,
        items: order.items,
        requestedBy: {
          messageId: event.id,
          correlationId: event.correlationId,
          traceparent: event.traceparent,
          tracestate: event.tracestate,
        },
      });
      if (result.created) {
        const initiated = createEnvelope(
          'PaymentInitiated',
          order.orderId,
          {
            orderId: order.orderId,
            paymentId: result.payment.id,
            amount: order.amount,
            currency: order.currency,
          },
          causedBy(event, SERVICE_NAME),
        );
        await this.outbox.append(tx, [initiated]);
      }
      return result.payment;
    });
    if (payment.status !== 'PENDING') {
      // Decided by an earlier delivery (its inbox row committed with the decision): a redelivery.
      // No inbox pre-read on the hot path: the idempotent insert above answers the same question.
      this.metrics.inboxDuplicates.inc({ topic });
      return;
    }

    const causation = causedBy(event, SERVICE_NAME);
    const { result, attempts } = await this.calls
      .run(
        { paymentId: payment.id, operation: 'authorize', previousAttempts: payment.attempts },
        () =>
          this.provider.authorize(
            {
              idempotencyKey: authorizationKey(order.orderId),
              reference: order.orderId,
              amount: order.amount,
              currency: order.currency,
              paymentMethod: order.paymentMethod,
            },
            causation,
          ),
        (outcome) => outcome.kind,
      )
      .catch((error: unknown) => {
        log.warn({ err: error }, 'payment.provider_unavailable');
        throw error; // the consumer classifies it: retried with backoff, or dead-lettered if terminal
      });

    const applied = await this.db.transaction(async (tx) => {
      if (!(await claimInboxMessage(tx, CONSUMER_NAME, event))) return false;
      const current = await this.payments.findByOrder(tx, order.orderId, true);
      if (current?.status !== 'PENDING') return false;
      if (result.kind === 'pending') {
        // Asynchronous: the decision comes later by webhook (POST /payments/callback).
        await this.payments.recordProviderPayment(tx, payment.id, result.providerPaymentId);
        return true;
      }
      await recordAuthorization(
        tx,
        { payments: this.payments, outbox: this.outbox },
        current,
        result,
        causation,
        attempts,
      );
      return true;
    });
    if (!applied) return;
    if (result.kind === 'pending')
      log.info({ paymentId: payment.id, attempts }, 'payment.awaiting_webhook');
    else reportAuthorization(log, this.metrics, payment, result, attempts);
  }
}
