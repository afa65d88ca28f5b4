import type { Causation, PaymentWebhookEvent } from '@order-saga/contracts';
import type { Effects } from '@order-saga/inbox';
import { childContext, formatTraceparent, parseTraceparent } from '@order-saga/observability';
import type { SqlExecutor } from '@order-saga/persistence';
import type { Payment } from '../domain/payment';
import type { WebhookSignatureRepository } from '../infrastructure/webhook-signature.repository';
import { SERVICE } from '../../service';
import {
  recordAuthorization,
  reportAuthorization,
  type FinalAuthorization,
} from './record-authorization';
import type { PaymentsContext } from './payments-context';

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

/** Where webhooks come from, as `inbox_duplicates_total{topic}` names it: their route. */
export const WEBHOOK_SOURCE = { topic: '/payments/callback' } as const;

/** What a webhook's transaction did to its payment; reported once it committed. */
interface WebhookEffect {
  readonly outcome: Exclude<WebhookOutcome, 'duplicate'>;
  readonly payment: Payment;
  /** Set when the event decided the payment. */
  readonly decided?: { readonly result: FinalAuthorization; readonly attempts: number };
}

/**
 * Applies the provider's asynchronous result for a charge, through the same inbox transaction as
 * every Kafka message (`context.inbox` is the webhooks' inbox, WEBHOOK_CONSUMER): in one
 * transaction, the signature is remembered first (a replay of the same request is refused, even
 * of an event already applied), the event id is claimed (a second delivery changes nothing and is
 * counted in inbox_duplicates_total), and a PENDING payment takes the decision and emits
 * PaymentConfirmed or PaymentFailed. A payment already decided - by the call's own answer, or by
 * an earlier event - never moves again.
 */
export class ApplyPaymentWebhookHandler {
  constructor(
    private readonly context: PaymentsContext,
    private readonly webhooks: {
      readonly signatures: WebhookSignatureRepository;
      readonly toleranceSeconds: number;
    },
  ) {}

  async handle(event: PaymentWebhookEvent, signature: string): Promise<WebhookOutcome> {
    const { db, inbox, payments, logger, metrics } = this.context;
    const orderId = event.data.reference;
    const applied = await inbox.apply(event, WEBHOOK_SOURCE, (tx) => this.decide(tx, event), {
      before: async (tx) => {
        if (
          !(await this.webhooks.signatures.remember(tx, signature, this.webhooks.toleranceSeconds))
        )
          throw new WebhookRefused('WEBHOOK.REPLAYED', 'This signed request was already received');
      },
    });
    // The payment the event is about, whatever the outcome: its saga's correlation id goes on the
    // log line, a duplicate's included (found by the e2e check of every line of a saga).
    const known = applied.duplicate
      ? UUID.test(orderId)
        ? await payments.findByOrder(db, orderId)
        : undefined
      : applied.result.payment;
    const outcome = applied.duplicate ? 'duplicate' : applied.result.outcome;
    const log = logger.child({
      orderId,
      correlationId: known?.requestedBy.correlationId ?? undefined,
    });
    log.info({ eventId: event.id, type: event.type, outcome }, 'payment.webhook_received');
    const decided = applied.duplicate ? undefined : applied.result.decided;
    if (known !== undefined && decided !== undefined)
      reportAuthorization(log, metrics, known, decided.result, decided.attempts);
    return outcome;
  }

  /** The event's effects, in the inbox transaction that claimed it. */
  private async decide(
    tx: SqlExecutor,
    event: PaymentWebhookEvent,
  ): Promise<Effects<WebhookEffect>> {
    const { payments } = this.context;
    const orderId = event.data.reference;
    const payment = UUID.test(orderId) ? await payments.findByOrder(tx, orderId, true) : undefined;
    if (payment === undefined)
      throw new WebhookRefused('WEBHOOK.UNKNOWN_PAYMENT', `No payment for reference ${orderId}`);
    const sameCharge =
      payment.amount === event.data.amount &&
      payment.currency === event.data.currency &&
      (payment.providerPaymentId === null || payment.providerPaymentId === event.data.id);
    if (!sameCharge)
      throw new WebhookRefused(
        'WEBHOOK.PAYMENT_MISMATCH',
        `The event's payment ${event.data.id} (${event.data.amount} ${event.data.currency}) is not this order's`,
      );
    if (payment.status !== 'PENDING') return { result: { outcome: 'superseded', payment } };
    if (event.type === 'payment.processing') {
      if (payment.providerPaymentId === null)
        await payments.recordProviderPayment(tx, payment.id, event.data.id);
      return { result: { outcome: 'noted', payment } };
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
    const message = await recordAuthorization(
      tx,
      payments,
      payment,
      result,
      causationOf(payment),
      attempts,
    );
    return {
      result: { outcome: 'applied', payment, decided: { result, attempts } },
      messages: [message],
    };
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
