import { randomUUID } from 'node:crypto';
import {
  SIGNATURE_HEADER,
  signWebhook,
  type PaymentWebhookEvent,
  type PaymentWebhookType,
} from '@order-saga/contracts';
import type { Logger } from '@order-saga/observability';
import type { Behaviour } from '../processor/behaviour';
import type { Ledger, Payment } from '../payments/ledger';

export interface WebhookTarget {
  readonly url: string;
  /** Every active secret signs (one `v1` each): the receiver may know either during a rotation. */
  readonly secrets: readonly string[];
}

/** One delivery attempt as the receiver answered it, for the admin ledger. */
export interface DeliveryRecord {
  readonly at: string;
  readonly eventId: string;
  readonly type: PaymentWebhookType;
  readonly reference: string;
  readonly attempt: number;
  /** HTTP status, or the transport error. */
  readonly result: number | string;
}

// Like a processor's delivery policy, compressed for a simulator: a receiver down for a few
// seconds still gets the event; one that keeps refusing gives up after ~8 s in all.
const MAX_ATTEMPTS = 6;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 4_000;
const DELIVERY_TIMEOUT_MS = 5_000;
const DELIVERY_LOG_LIMIT = 10_000;

/**
 * Sends an asynchronous payment's results: `payment.processing`, then the final
 * `payment.succeeded` / `payment.failed`, each signed at the moment it is sent. Like real
 * processors, it sometimes sends an event twice and sometimes the final one first; the payment
 * takes its final status in the ledger when its final event first goes out.
 */
export class WebhookDispatcher {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly log: DeliveryRecord[] = [];
  /** Per event id, the last timestamp signed: see signedAt. */
  private readonly lastSigned = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly target: WebhookTarget | undefined,
    private readonly ledger: Ledger,
    private readonly logger: Logger,
    private readonly draw: () => number,
  ) {}

  schedule(payment: Payment, behaviour: Behaviour['async'], correlationId: string): void {
    if (this.target === undefined) return;
    const final: PaymentWebhookType =
      payment.declineCode === null ? 'payment.succeeded' : 'payment.failed';
    const types: PaymentWebhookType[] = ['payment.processing', final];
    if (this.draw() < behaviour.reorderRate) types.reverse();
    let at = behaviour.delayMs;
    for (const type of types) {
      const event = { id: randomUUID(), type, created: new Date().toISOString() };
      const copies = this.draw() < behaviour.duplicateRate ? 2 : 1;
      for (let copy = 0; copy < copies; copy += 1) {
        this.later(at, () => this.deliver(payment.id, event, correlationId, 1));
        at += Math.max(1, Math.round(behaviour.delayMs / 2));
      }
    }
  }

  deliveries(reference?: string): DeliveryRecord[] {
    return this.log.filter((d) => reference === undefined || d.reference === reference);
  }

  /** At shutdown: pending deliveries are dropped, as a crashed processor would drop them. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, ms);
    this.timers.add(timer);
  }

  private async deliver(
    paymentId: string,
    event: { id: string; type: PaymentWebhookType; created: string },
    correlationId: string,
    attempt: number,
  ): Promise<void> {
    const target = this.target;
    const payment =
      event.type === 'payment.processing'
        ? this.ledger.payment(paymentId)
        : this.ledger.settle(paymentId);
    if (target === undefined || payment === undefined) return;
    const body: PaymentWebhookEvent = {
      id: event.id,
      type: event.type,
      created: event.created,
      data: {
        id: payment.id,
        reference: payment.reference,
        amount: payment.amount,
        currency: payment.currency,
        // The processing event says pending even when it arrives after the final one.
        status: event.type === 'payment.processing' ? 'pending' : payment.status,
        declineCode: event.type === 'payment.processing' ? null : payment.declineCode,
      },
    };
    const raw = JSON.stringify(body);
    let result: number | string;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(raw, target.secrets, this.signedAt(event.id)),
          'x-correlation-id': correlationId,
        },
        body: raw,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await response.body?.cancel();
      result = response.status;
    } catch (error) {
      result = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    }
    this.record({
      at: new Date().toISOString(),
      eventId: event.id,
      type: event.type,
      reference: payment.reference,
      attempt,
      result,
    });
    const delivered = typeof result === 'number' && result >= 200 && result < 300;
    const fields = {
      orderId: payment.reference,
      eventId: event.id,
      type: event.type,
      attempt,
      result,
      correlationId,
    };
    if (delivered) {
      this.logger.info(fields, 'provider.webhook_delivered');
      return;
    }
    if (attempt >= MAX_ATTEMPTS) {
      this.logger.warn(fields, 'provider.webhook_abandoned');
      return;
    }
    this.logger.info(fields, 'provider.webhook_retrying');
    const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempt - 1));
    this.later(backoff, () => this.deliver(paymentId, event, correlationId, attempt + 1));
  }

  /**
   * Every delivery of an event carries its own signature: two copies signed in the same second
   * would be byte-identical, which the receiver rightly takes for a replay. So a copy is dated at
   * least a second after the previous one (still well within any tolerance window).
   */
  private signedAt(eventId: string): number {
    const at = Math.max(Math.floor(Date.now() / 1000), (this.lastSigned.get(eventId) ?? 0) + 1);
    this.lastSigned.set(eventId, at);
    if (this.lastSigned.size > DELIVERY_LOG_LIMIT) {
      const oldest = this.lastSigned.keys().next();
      if (oldest.done !== true) this.lastSigned.delete(oldest.value);
    }
    return at;
  }

  private record(delivery: DeliveryRecord): void {
    this.log.push(delivery);
    if (this.log.length > DELIVERY_LOG_LIMIT)
      this.log.splice(0, this.log.length - DELIVERY_LOG_LIMIT);
  }
}
