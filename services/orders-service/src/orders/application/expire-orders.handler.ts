import { createEnvelope } from '@order-saga/contracts';
import { decideLockedBatch, type TransactionRunner } from '@order-saga/persistence';
import { causedWithoutMessage } from '@order-saga/messaging';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { ORDER_SAGA, compensationOrder } from '@order-saga/saga-definition';
import type { OrderRepository } from '../infrastructure/order.repository';
import { advanceOrder, isTerminal } from './advance-order';
import { SERVICE } from '../../service';

/**
 * The choreography deadline sweeper: every order whose saga is still running past its deadline
 * is given up. In one transaction per batch, over rows locked with SKIP LOCKED (replicas share the
 * work, never decide one order twice), each order moves to COMPENSATING (or straight to CANCELLED
 * when nothing it did needs undoing) with reason DEADLINE_EXCEEDED, and OrderDeadlineExceeded is
 * written to the outbox: every participant undoes its own step on it, whatever it knew.
 */
export class ExpireOrdersHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
    readonly batchSize = 100,
  ) {}

  /** One sweep; returns how many orders it gave up. */
  async sweep(): Promise<number> {
    const expired = await decideLockedBatch(this.db, {
      limit: this.batchSize,
      lock: (tx, limit) => this.orders.lockExpired(tx, limit),
      decide: async (tx, order) => {
        const done = ORDER_SAGA.steps
          .filter((step) => order.steps.get(step.name) === 'SUCCEEDED')
          .map((step) => step.name);
        const compensations = compensationOrder(ORDER_SAGA, done).map((step) => step.name);
        // The clock caused this, not a message; it still joins the order's correlation and trace.
        const deadlineExceeded = createEnvelope(
          'OrderDeadlineExceeded',
          order.id,
          { orderId: order.id, deadline: order.deadline.toISOString(), compensations },
          causedWithoutMessage(SERVICE.name, order.correlationId, {
            traceId: order.traceId,
            spanId: '0'.repeat(16),
            sampled: true,
          }),
        );
        const { result: advance, messages = [] } = await advanceOrder(
          tx,
          this.orders,
          order,
          {
            message: 'OrderDeadlineExceeded',
            fact: { kind: 'DeadlineExceeded', compensating: compensations.length > 0 },
          },
          { messageId: deadlineExceeded.id, type: deadlineExceeded.type },
          {
            source: SERVICE.name,
            correlationId: order.correlationId,
            causationId: deadlineExceeded.id,
            traceparent: deadlineExceeded.traceparent,
          },
        );
        await this.outbox.append(tx, [deadlineExceeded, ...messages]);
        return { order, compensations, advance };
      },
    });
    for (const { order, compensations, advance } of expired) {
      this.metrics.sagaDeadlinesExceeded.inc();
      this.logger.warn(
        {
          orderId: order.id,
          correlationId: order.correlationId,
          deadline: order.deadline.toISOString(),
          from: order.status,
          compensations,
        },
        'order.deadline_exceeded',
      );
      if (advance.applied && isTerminal(advance.to)) {
        const seconds = (Date.now() - order.createdAt.getTime()) / 1_000;
        this.metrics.orderSagaDuration.observe({ outcome: advance.to.toLowerCase() }, seconds);
      }
    }
    return expired.length;
  }
}
