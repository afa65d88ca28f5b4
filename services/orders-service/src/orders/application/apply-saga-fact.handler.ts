import { type AnyEnvelope, type MessageName, type SagaMode } from '@order-saga/contracts';
import type { InboxTransactions } from '@order-saga/inbox';
import { TerminalError, causedBy, type Delivery } from '@order-saga/messaging';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import { ORDER_SAGA, sagaFacts } from '@order-saga/saga-definition';
import { SERVICE } from '../../service';
import type { OrderRepository } from '../infrastructure/order.repository';
import { TERMINAL_STATUSES } from '../domain/order-status';
import { advanceOrder, isTerminal, type OrderFact } from './advance-order';

/** Translates a consumed message into the fact it states about an order, if any. */
function factOf(envelope: AnyEnvelope): OrderFact | undefined {
  const message = envelope.name;
  switch (envelope.name) {
    case 'PaymentInitiated':
      return { message, fact: { kind: 'PaymentInitiated' } };
    case 'PaymentConfirmed':
      return { message, fact: { kind: 'PaymentConfirmed' }, attempts: envelope.data.attempts };
    case 'PaymentFailed':
      return {
        message,
        fact: { kind: 'PaymentFailed', declined: envelope.data.reason === 'DECLINED' },
        attempts: envelope.data.attempts,
        detail: envelope.data.reason,
      };
    case 'PaymentRefunded':
      return {
        message,
        fact: { kind: 'PaymentRefunded', reason: envelope.data.reason },
        attempts: envelope.data.attempts,
      };
    case 'PaymentRefundFailed':
      return {
        message,
        fact: { kind: 'PaymentRefundFailed', reason: envelope.data.reason },
        attempts: envelope.data.attempts,
        detail: envelope.data.error,
      };
    // A reservation or a release is one transaction: it succeeds or fails on its single attempt.
    case 'InventoryReserved':
      return { message, fact: { kind: 'InventoryReserved' }, attempts: 1 };
    case 'InventoryFailed':
      return {
        message,
        fact: { kind: 'InventoryFailed', reason: envelope.data.reason },
        attempts: 1,
        detail: envelope.data.reason,
      };
    case 'InventoryReleased':
      return {
        message,
        fact: { kind: 'InventoryReleased', reason: envelope.data.reason },
        attempts: 1,
      };
    // Orchestration: the orchestrator's sweeper gave the saga up.
    case 'OrderDeadlineExceeded':
      return {
        message,
        fact: { kind: 'DeadlineExceeded', compensating: envelope.data.compensations.length > 0 },
      };
    default:
      return undefined;
  }
}

/**
 * The facts that move an order: every fact of the declared saga, and in orchestration the
 * orchestrator's word that the saga ran out of time (in choreography this service decides that
 * itself, see ExpireOrdersHandler).
 */
export function sagaInputs(mode: SagaMode): MessageName[] {
  return [...sagaFacts(ORDER_SAGA), ...(mode === 'orchestration' ? [ORDER_SAGA.abortedBy] : [])];
}

/**
 * Applies payment and inventory facts to orders (both modes). Inbox claim, state change,
 * timeline and any resulting message commit in one transaction: a redelivered fact is skipped,
 * a late one changes nothing but is noted, and a terminal state emits OrderFulfilled or
 * OrderCancelled once.
 */
export class ApplySagaFactHandler {
  constructor(
    private readonly inbox: InboxTransactions,
    private readonly orders: OrderRepository,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {
    // Every outcome exported from the start, at zero: Prometheus' rate() only sees increments of
    // a series it has already scraped, so the first saga of an outcome would otherwise be lost.
    for (const status of TERMINAL_STATUSES)
      metrics.orderSagaDuration.zero({ outcome: status.toLowerCase() });
  }

  async handle(envelope: AnyEnvelope, delivery: Delivery): Promise<void> {
    const input = factOf(envelope);
    if (input === undefined) return; // a message type this service does not act on
    const orderId = envelope.subject;
    const log = this.logger.child({
      orderId,
      correlationId: envelope.correlationId,
      messageType: envelope.type,
    });

    const applied = await this.inbox.apply(envelope, delivery, async (tx) => {
      const order = await this.orders.lock(tx, orderId);
      if (order === undefined) {
        throw new TerminalError(
          'ORDER.UNKNOWN',
          `${envelope.type} refers to unknown order ${orderId}`,
        );
      }
      const { result, messages } = await advanceOrder(
        tx,
        this.orders,
        order,
        input,
        { messageId: envelope.id, type: envelope.type },
        causedBy(envelope, SERVICE.name),
      );
      return { result: { ...result, createdAt: order.createdAt }, messages };
    });

    if (applied.duplicate) {
      log.info({ messageId: envelope.id }, 'order.duplicate_ignored');
      return;
    }
    const outcome = applied.result;
    if (!outcome.applied) {
      if (outcome.late) log.warn({ status: outcome.from }, 'order.late_fact_recorded');
      else log.info({ status: outcome.from }, 'order.late_fact_ignored');
      return;
    }
    const level = outcome.to === 'COMPENSATION_FAILED' ? 'error' : 'info';
    log[level](
      { from: outcome.from, to: outcome.to, reason: outcome.reason },
      'order.transitioned',
    );
    if (isTerminal(outcome.to)) {
      const seconds = (Date.now() - outcome.createdAt.getTime()) / 1_000;
      this.metrics.orderSagaDuration.observe({ outcome: outcome.to.toLowerCase() }, seconds);
    }
  }
}
