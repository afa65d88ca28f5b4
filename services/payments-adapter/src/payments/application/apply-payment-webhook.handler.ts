import type { Causation, PaymentWebhookEvent } from '@order-saga/contracts';
import { claimInboxMessage } from '@order-saga/inbox';
import {
  childContext,
  formatTraceparent,
  parseTraceparent,
  type Logger,
  type SagaMetrics,
} from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import type { TransactionRunner } from '@order-saga/persistence';
import type { Payment } from '../domain/payment';
import type { PaymentRepository } from '../infrastructure/payment.repository';
import type { WebhookSignatureRepository } from '../infrastructure/webhook-signature.repository';
import { SERVICE } from '../../service';
import {
  recordAuthorization,
  reportAuthorization,
  type FinalAuthorization,
} from './record-authorization';

/** The inbox's consumer name for webhook events: their ids are the provider's event ids. */
export const WEBHOOK_CONSUMER = 'payments-adapter.webhooks';

/**
 * What a verified webhook did. `duplicate`: this event id was applied before. `superseded`: the
 * payment was already decided (a late or out-of-order event). `noted`: an intermediate state
 * (`payment.processing`), nothing to decide.
 */
export type WebhookOutcome = 'applied' | 'duplicate' | 'superseded' | 'noted';

/** Why a verified webhook is refused; each maps to one problem code at the HTTP edge. */
export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
  constructor(
    readonly code: 'WEBHOOK.REPLAYED' | 'WEBHOOK.UNKNOWN_PAYMENT' | 'WEBHOOK.PAYMENT_MISMATCH',
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Applies the provider's asynchronous result for a charge, through the same inbox and outbox as
 * every Kafka message: in one transaction, the signature is remembered (a replay of the same
 * request is refused), the event id is claimed in the inbox (a second delivery changes nothing),
 * and a PENDING payment takes the decision and emits PaymentConfirmed or PaymentFailed. A payment
 * already decided - by the call's own answer, or by an earlier event - never moves again.
 */
export class ApplyPaymentWebhookHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly payments: PaymentRepository,
    private readonly signatures: WebhookSignatureRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
    private readonly toleranceSeconds: number,
  ) {}

  async handle(event: PaymentWebhookEvent, signature: string): Promise<WebhookOutcome> {
    const orderId = event.data.reference;
    let decided: { payment: Payment; result: FinalAuthorization; attempts: number } | undefined;
    // The payment the event is about, whatever the outcome: its saga's correlation id goes on the
    // log line, a duplicate's included (found by the e2e check of every line of a saga).
    let known: Payment | undefined;
    const outcome = await this.db.transaction(async (tx): Promise<WebhookOutcome> => {
      if (!(await this.signatures.remember(tx, signature, this.toleranceSeconds)))
        throw new WebhookRefused('WEBHOOK.REPLAYED', 'This signed request was already received');
      if (!(await claimInboxMessage(tx, WEBHOOK_CONSUMER, event))) {
        known = UUID.test(orderId) ? await this.payments.findByOrder(tx, orderId) : undefined;
        return 'duplicate';
      }
      const payment = UUID.test(orderId)
        ? await this.payments.findByOrder(tx, orderId, true)
        : undefined;
      if (payment === undefined)
        throw new WebhookRefused('WEBHOOK.UNKNOWN_PAYMENT', `No payment for reference ${orderId}`);
      known = payment;
      const sameCharge =
        payment.amount === event.data.amount &&
        payment.currency === event.data.currency &&
        (payment.providerPaymentId === null || payment.providerPaymentId === event.data.id);
      if (!sameCharge)
        throw new WebhookRefused(
          'WEBHOOK.PAYMENT_MISMATCH',
          `The event's payment ${event.data.id} (${event.data.amount} ${event.data.currency}) is not this order's`,
        );
      if (payment.status !== 'PENDING') return 'superseded';
      if (event.type === 'payment.processing') {
        if (payment.providerPaymentId === null)
          await this.payments.recordProviderPayment(tx, payment.id, event.data.id);
        return 'noted';
      }
      const result: FinalAuthorization =
        event.type === 'payment.succeeded'
          ? { kind: 'approved', providerPaymentId: event.data.id }
          : { kind: 'declined', declineCode: event.data.declineCode ?? 'declined' };
      // A webhook about this charge proves the provider was called at least once, even when it
      // overtakes the adapter recording that call's attempt (the call returns 202, the webhook
      // lands ~30 ms later, the attempt row is written after the response): the outcome event
      // requires attempts > 0. Found flaking in e2e as a 500 and a redelivered webhook.
      const attempts = Math.max(payment.attempts, 1);
      await recordAuthorization(
        tx,
        { payments: this.payments, outbox: this.outbox },
        payment,
        result,
        causationOf(payment),
        attempts,
      );
      decided = { payment, result, attempts };
      return 'applied';
    });
    const log = this.logger.child({
      orderId,
      correlationId: known?.requestedBy.correlationId ?? undefined,
    });
    log.info({ eventId: event.id, type: event.type, outcome }, 'payment.webhook_received');
    if (decided !== undefined)
      reportAuthorization(log, this.metrics, decided.payment, decided.result, decided.attempts);
    return outcome;
  }
}

/**
 * The outcome event continues the saga of the message that asked for the charge: its
 * correlation id, its trace (a new span), and it as the cause. The webhook's own event id is in
 * the inbox and the log.
 */
function causationOf(payment: Payment): Causation {
  const { requestedBy } = payment;
  return {
    source: SERVICE.name,
    correlationId: requestedBy.correlationId ?? payment.orderId,
    causationId: requestedBy.messageId,
    traceparent: formatTraceparent(childContext(parseTraceparent(requestedBy.traceparent))),
    tracestate: requestedBy.tracestate,
  };
}
