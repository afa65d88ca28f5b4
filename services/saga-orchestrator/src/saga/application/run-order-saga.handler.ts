import type { AnyEnvelope } from '@order-saga/contracts';
import { causedBy } from '@order-saga/messaging';
import { claimInboxMessage } from '@order-saga/inbox';
import type { TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { decide } from '../domain/order-saga';
import type { SagaRepository } from '../infrastructure/saga.repository';
import { SERVICE_NAME, factOf, outputMessage } from './saga-messages';

export { SERVICE_NAME } from './saga-messages';
export const CONSUMER_NAME = 'saga-orchestrator.saga';

/**
 * Drives one order's saga: each fact from the participants advances the saga instance and yields
 * the next commands, all in one transaction with the inbox claim (outbox), so a redelivered fact
 * never sends a command twice and a crash never loses one.
 */
export class RunOrderSagaHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly sagas: SagaRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  async handle(envelope: AnyEnvelope, topic: string): Promise<void> {
    const input = factOf(envelope);
    if (input === undefined) return;
    const orderId = envelope.subject;
    const outcome = await this.db.transaction(async (tx) => {
      if (!(await claimInboxMessage(tx, CONSUMER_NAME, envelope))) return 'duplicate' as const;
      const decision = decide(await this.sagas.lock(tx, orderId), input.fact);
      if (!decision.apply) return decision;
      await this.sagas.save(tx, decision.state, input.deadline);
      const causation = causedBy(envelope, SERVICE_NAME);
      await this.outbox.append(
        tx,
        decision.outputs.map((output) =>
          outputMessage(output, decision.state, input.deadline, causation),
        ),
      );
      return decision;
    });
    const log = this.logger.child({ orderId, correlationId: envelope.correlationId });
    if (outcome === 'duplicate') {
      this.metrics.inboxDuplicates.inc({ topic });
    } else if (!outcome.apply) {
      log.info({ why: outcome.why }, 'saga.fact_ignored');
    } else {
      const level = outcome.state.status === 'COMPENSATION_FAILED' ? 'error' : 'info';
      log[level](
        {
          status: outcome.state.status,
          step: outcome.state.step,
          error: outcome.state.error ?? undefined,
          sent: outcome.outputs.map((o) => (o.kind === 'deadline-exceeded' ? o.kind : o.step.name)),
        },
        'saga.advanced',
      );
    }
  }
}
