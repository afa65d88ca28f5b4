import { randomUUID } from 'node:crypto';
import { createEnvelope, type SagaMode } from '@order-saga/contracts';
import type { SqlExecutor, TransactionRunner } from '@order-saga/persistence';
import type { Logger } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { ORDER_SAGA, summarize } from '@order-saga/saga-definition';
import { SERVICE } from '../../service';
import { orderTotal, type NewOrder, type OrderView, type SagaStep } from '../domain/order';
import type { OrderRepository } from '../infrastructure/order.repository';

export type { NewOrder } from '../domain/order';

export interface CommandContext {
  readonly correlationId: string;
  readonly traceId: string;
  readonly traceparent: string;
  readonly tracestate: string | null;
}

/**
 * Creates an order and starts its saga: the order row, its lines, its initial steps and the
 * OrderCreated message commit in one transaction (transactional outbox), so an accepted order
 * always gets its event and an event never describes an order that does not exist.
 */
export class CreateOrderHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly orders: OrderRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    /** The deployment's deadline; an order may ask for its own within the saga's bounds. */
    private readonly sagaDeadlineMs: number,
    private readonly sagaMode: SagaMode,
  ) {}

  /**
   * `alsoCommit` runs last in the order's transaction, with the order as it will be returned:
   * the Idempotency-Key record commits there, so the key is taken exactly when the order exists.
   */
  async execute(
    input: NewOrder,
    context: CommandContext,
    alsoCommit?: (tx: SqlExecutor, order: OrderView) => Promise<void>,
  ): Promise<OrderView> {
    const id = randomUUID();
    const createdAt = new Date();
    const deadline = new Date(createdAt.getTime() + (input.deadlineMs ?? this.sagaDeadlineMs));
    const total = orderTotal(input.items);
    const event = createEnvelope(
      'OrderCreated',
      id,
      {
        orderId: id,
        customerId: input.customerId,
        currency: input.currency,
        items: [...input.items],
        total,
        paymentMethod: input.paymentMethod,
        deadline: deadline.toISOString(),
      },
      {
        source: SERVICE.name,
        correlationId: context.correlationId,
        causationId: null,
        traceparent: context.traceparent,
        tracestate: context.tracestate,
      },
    );
    const at = createdAt.toISOString();
    const order: OrderView = {
      id,
      status: 'CREATED',
      reason: null,
      customerId: input.customerId,
      currency: input.currency,
      items: input.items,
      total,
      correlationId: context.correlationId,
      traceId: context.traceId,
      deadline: deadline.toISOString(),
      createdAt: at,
      updatedAt: at,
      saga: { mode: this.sagaMode, ...summarize(ORDER_SAGA, new Map()) },
      steps: ORDER_SAGA.steps.map((step): SagaStep => ({
        name: step.name,
        kind: 'step',
        undoes: null,
        status: 'PENDING',
        attempts: 0,
        detail: null,
        lastError: null,
        startedAt: null,
        finishedAt: null,
      })),
      history: [{ from: null, to: 'CREATED', reason: null, causedBy: null, at }],
      lateFacts: [],
      // Known at GET time (the provider's breaker); a 201 is replayed byte for byte, so not here.
      waiting: null,
    };
    await this.db.transaction(async (tx) => {
      await this.orders.insert(tx, {
        id,
        customerId: input.customerId,
        currency: input.currency,
        total,
        paymentMethod: input.paymentMethod,
        items: input.items,
        correlationId: context.correlationId,
        traceId: context.traceId,
        deadline,
        createdAt,
      });
      await this.outbox.append(tx, [event]);
      if (alsoCommit !== undefined) await alsoCommit(tx, order);
    });
    this.logger.info(
      { orderId: id, correlationId: context.correlationId, traceId: context.traceId, total },
      'order.created',
    );
    return order;
  }
}
