import {
  type MessageName,
  createEnvelope,
  type AnyEnvelope,
  type CancellationReason,
  type Envelope,
} from '@order-saga/contracts';
import { TerminalError, causedBy } from '@order-saga/messaging';
import { claimInboxMessage } from '@order-saga/inbox';
import { type TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { planTransition, type SagaFact } from '../domain/order-state-machine';
import { TERMINAL_STATUSES, type OrderStatus } from '../domain/order-status';
import { stepUpdates } from '../domain/saga-step';
import type { OrderRepository } from '../infrastructure/order.repository';
import { SERVICE_NAME } from './create-order.handler';

type FactWithDetail = SagaFact & { readonly attempts?: number; readonly detail?: string };

/** Translates a consumed message into the fact it states about an order, if any. */
function factOf(envelope: AnyEnvelope): FactWithDetail | undefined {
  switch (envelope.name) {
    case 'PaymentInitiated':
      return { kind: 'PaymentInitiated' };
    case 'PaymentConfirmed':
      return { kind: 'PaymentConfirmed', attempts: envelope.data.attempts };
    case 'PaymentFailed':
      return {
        kind: 'PaymentFailed',
        declined: envelope.data.reason === 'DECLINED',
        attempts: envelope.data.attempts,
        detail: envelope.data.reason,
      };
    case 'PaymentRefunded':
      return {
        kind: 'PaymentRefunded',
        reason: envelope.data.reason,
        attempts: envelope.data.attempts,
      };
    case 'InventoryReserved':
      return { kind: 'InventoryReserved' };
    case 'InventoryFailed':
      return { kind: 'InventoryFailed', reason: envelope.data.reason };
    default:
      return undefined;
  }
}

export const CONSUMER_NAME = 'orders-service.saga';

/** The facts that move an order; `factOf` translates each of them. */
export const SAGA_FACTS = [
  'PaymentInitiated',
  'PaymentConfirmed',
  'PaymentFailed',
  'PaymentRefunded',
  'InventoryReserved',
  'InventoryFailed',
] as const satisfies readonly MessageName[];

/**
 * Applies payment and inventory facts to orders (choreography). Inbox claim, state change,
 * timeline and any resulting message commit in one transaction: a redelivered fact is skipped,
 * a late one changes nothing, and a terminal state emits OrderFulfilled or OrderCancelled once.
 */
export class ApplySagaFactHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  async handle(envelope: AnyEnvelope, topic: string): Promise<void> {
    const fact = factOf(envelope);
    if (fact === undefined) return; // a message type this service does not act on
    const orderId = envelope.subject;
    const log = this.logger.child({
      orderId,
      correlationId: envelope.correlationId,
      messageType: envelope.type,
    });

    const outcome = await this.db.transaction(async (tx) => {
      if (!(await claimInboxMessage(tx, CONSUMER_NAME, envelope))) return 'duplicate' as const;
      const order = await this.orders.lock(tx, orderId);
      if (order === undefined) {
        throw new TerminalError(
          'ORDER.UNKNOWN',
          `${envelope.type} refers to unknown order ${orderId}`,
        );
      }
      await this.orders.updateSteps(tx, orderId, stepUpdates(fact));
      const plan = planTransition(order.status, fact);
      const to = plan.hops[plan.hops.length - 1];
      if (to === undefined) return { applied: false as const, from: order.status };
      const reason = plan.reason ?? order.reason;
      await this.orders.recordTransitions(
        tx,
        orderId,
        order.status,
        plan.hops,
        plan.reason ?? null,
        {
          messageId: envelope.id,
          type: envelope.type,
        },
      );
      if (TERMINAL_STATUSES.has(to)) {
        await this.outbox.append(tx, [outcomeMessage(envelope, to, reason)]);
      }
      return { applied: true as const, from: order.status, to, reason, createdAt: order.createdAt };
    });

    if (outcome === 'duplicate') {
      this.metrics.inboxDuplicates.inc({ topic });
      log.info({ messageId: envelope.id }, 'order.duplicate_ignored');
      return;
    }
    if (!outcome.applied) {
      log.info({ status: outcome.from }, 'order.late_fact_ignored');
      return;
    }
    log.info({ from: outcome.from, to: outcome.to, reason: outcome.reason }, 'order.transitioned');
    if (TERMINAL_STATUSES.has(outcome.to)) {
      const seconds = (Date.now() - outcome.createdAt.getTime()) / 1_000;
      this.metrics.orderSagaDuration.observe({ outcome: outcome.to.toLowerCase() }, seconds);
    }
  }
}

/** The saga's last word about an order: OrderFulfilled, or OrderCancelled with its reason. */
function outcomeMessage(
  cause: AnyEnvelope,
  to: OrderStatus,
  reason: CancellationReason | null,
): Envelope {
  const orderId = cause.subject;
  const causation = causedBy(cause, SERVICE_NAME);
  if (to === 'FULFILLED') return createEnvelope('OrderFulfilled', orderId, { orderId }, causation);
  // COMPENSATION_FAILED is also terminal but is reported by the alerting path, not as a cancel.
  return createEnvelope(
    'OrderCancelled',
    orderId,
    { orderId, reason: reason ?? 'PAYMENT_FAILED' },
    causation,
  );
}
