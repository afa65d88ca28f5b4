import {
  createEnvelope,
  type AnyEnvelope,
  type Causation,
  type OrderLine,
} from '@order-saga/contracts';
import { causedBy, type Delivery } from '@order-saga/messaging';
import { BreakerOpenError } from '@order-saga/resilience';
import { SERVICE } from '../../service';
import { authorizationKey, chargeStep, type Payment } from '../domain/payment';
import type { ProviderWork } from './payments-context';
import { recordAuthorization, reportAuthorization } from './record-authorization';

/** A charge to make, whichever message asked for it. */
export interface PaymentRequest {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentMethod: string;
  readonly items: readonly OrderLine[];
}

/**
 * Charges an order (on OrderCreated or AuthorizePayment): short transactions around the provider
 * call, never a transaction held across it. Each step is safe to repeat:
 *  1. record the PENDING payment and PaymentInitiated (once per order, whatever the redeliveries);
 *  2. call the provider with an idempotency key derived from the order id (`authorize` below:
 *     the seam for in-call retries and the circuit breaker);
 *  3. in an inbox transaction: record the outcome, emit PaymentConfirmed or PaymentFailed (or,
 *     asynchronously, wait for the provider's webhook).
 * A crash between 1 and 3 redelivers the message; step 2 then replays at the provider.
 */
export class AuthorizePaymentHandler {
  constructor(private readonly work: ProviderWork) {}

  /**
   * `event` is what asked for the charge: OrderCreated (choreography) or AuthorizePayment
   * (orchestration); `charge` is the charge it describes.
   */
  async handle(event: AnyEnvelope, charge: PaymentRequest, delivery: Delivery): Promise<void> {
    const log = this.work.logger.child({
      orderId: charge.orderId,
      correlationId: event.correlationId,
    });
    const causation = causedBy(event, SERVICE.name);
    const payment = await this.recordPending(event, charge, causation);
    if (chargeStep(payment) === 'already-decided') {
      // Decided by an earlier delivery (its inbox row committed with the decision): a redelivery.
      // No inbox pre-read on the hot path: the idempotent insert above answers the same question.
      this.work.metrics.inboxDuplicates.inc({ topic: delivery.topic });
      return;
    }
    const { result, attempts } = await this.authorize(payment, charge, causation).catch(
      (error: unknown) => {
        // An open breaker is logged by the breaker and the consumer, once, not per message.
        if (!(error instanceof BreakerOpenError))
          log.warn({ err: error }, 'payment.provider_unavailable');
        throw error; // the consumer classifies it: waits for the provider, or dead-letters if terminal
      },
    );
    const applied = await this.work.inbox.apply(event, delivery, async (tx) => {
      const current = await this.work.payments.findByOrder(tx, charge.orderId, true);
      if (current?.status !== 'PENDING') return { result: false };
      if (result.kind === 'pending') {
        // Asynchronous: the decision comes later by webhook (POST /payments/callback).
        await this.work.payments.recordProviderPayment(tx, payment.id, result.providerPaymentId);
        return { result: true };
      }
      const message = await recordAuthorization(
        tx,
        this.work.payments,
        current,
        result,
        causation,
        attempts,
      );
      return { result: true, messages: [message] };
    });
    if (applied.duplicate || !applied.result) return;
    if (result.kind === 'pending')
      log.info({ paymentId: payment.id, attempts }, 'payment.awaiting_webhook');
    else reportAuthorization(log, this.work.metrics, payment, result, attempts);
  }

  /** Step 1: the PENDING payment and PaymentInitiated, once per order. */
  private recordPending(
    event: AnyEnvelope,
    charge: PaymentRequest,
    causation: Causation,
  ): Promise<Payment> {
    return this.work.db.transaction(async (tx) => {
      const result = await this.work.payments.createPending(tx, {
        orderId: charge.orderId,
        amount: charge.amount,
        currency: charge.currency,
        paymentMethod: charge.paymentMethod,
        items: charge.items,
        requestedBy: {
          messageId: event.id,
          correlationId: event.correlationId,
          traceparent: event.traceparent,
          tracestate: event.tracestate,
        },
      });
      if (result.created) {
        const { orderId, amount, currency } = charge;
        await this.work.outbox.append(tx, [
          createEnvelope(
            'PaymentInitiated',
            orderId,
            { orderId, paymentId: result.payment.id, amount, currency },
            causation,
          ),
        ]);
      }
      return result.payment;
    });
  }

  /**
   * Step 2, outside any transaction: the one call to the payment provider, recorded as an
   * attempt whatever its outcome. In-call retries and the circuit breaker wrap this call.
   */
  private authorize(payment: Payment, charge: PaymentRequest, causation: Causation) {
    return this.work.calls.run(
      { paymentId: payment.id, operation: 'authorize', previousAttempts: payment.attempts },
      () =>
        this.work.provider.authorize(
          {
            idempotencyKey: authorizationKey(charge.orderId),
            reference: charge.orderId,
            amount: charge.amount,
            currency: charge.currency,
            paymentMethod: charge.paymentMethod,
          },
          causation,
        ),
      (outcome) => outcome.kind,
    );
  }
}
