import { causedWithoutMessage } from '@order-saga/messaging';
import { parseTraceparent, type Logger, type SagaMetrics } from '@order-saga/observability';
import { decideLockedBatch, type TransactionRunner } from '@order-saga/persistence';
import type { OutboxWriter } from '@order-saga/outbox';
import { decide } from '../domain/order-saga';
import type { SagaRepository } from '../infrastructure/saga.repository';
import { SERVICE } from '../../service';
import { outputMessage } from './saga-messages';

/**
 * The orchestrator's deadline sweeper: every running saga whose deadline passed is given up and
 * undone (reason DEADLINE_EXCEEDED). Each batch is one transaction over rows locked with SKIP
 * LOCKED, so replicas share the work and never decide one saga twice; the decision, the saga's
 * new state and the messages commit together, so a crash mid-sweep loses or repeats nothing.
 */
export class ExpireSagasHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly sagas: SagaRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
    readonly batchSize = 100,
  ) {}

  /** One sweep; returns how many sagas it gave up. */
  async sweep(): Promise<number> {
    const expired = await decideLockedBatch(this.db, {
      limit: this.batchSize,
      lock: (tx, limit) => this.sagas.lockExpired(tx, limit),
      decide: async (tx, { state, deadline }) => {
        const decision = decide(state, { kind: 'DeadlineExceeded' });
        if (!decision.apply) return undefined;
        await this.sagas.save(tx, decision.state, undefined);
        // No message caused this one: the clock did. It still joins the order's trace.
        const causation = causedWithoutMessage(
          SERVICE.name,
          state.order.correlationId ?? state.order.orderId,
          parseTraceparent(state.order.traceparent),
        );
        await this.outbox.append(
          tx,
          decision.outputs.map((output) =>
            outputMessage(output, decision.state, deadline, causation),
          ),
        );
        return { state: decision.state, deadline, correlationId: causation.correlationId };
      },
    });
    for (const { state, deadline, correlationId } of expired) {
      this.metrics.sagaDeadlinesExceeded.inc();
      this.logger.warn(
        {
          orderId: state.order.orderId,
          correlationId,
          deadline: deadline.toISOString(),
          compensations: state.compensations,
        },
        'saga.deadline_exceeded',
      );
    }
    return expired.length;
  }
}
