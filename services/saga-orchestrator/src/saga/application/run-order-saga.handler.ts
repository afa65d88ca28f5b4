import type { AnyEnvelope } from '@order-saga/contracts';
import type { InboxTransactions } from '@order-saga/inbox';
import { causedBy, type Delivery } from '@order-saga/messaging';
import type { Logger } from '@order-saga/observability';
import { SERVICE } from '../../service';
import { decide, type Decision } from '../domain/order-saga';
import type { SagaRepository } from '../infrastructure/saga.repository';
import { factOf, outputMessage } from './saga-messages';

/**
 * Drives one order's saga: each fact from the participants advances the saga instance and yields
 * the next commands, all in one inbox transaction (outbox), so a redelivered fact never sends a
 * command twice and a crash never loses one.
 */
export class RunOrderSagaHandler {
  constructor(
    private readonly inbox: InboxTransactions,
    private readonly sagas: SagaRepository,
    private readonly logger: Logger,
  ) {}

  async handle(envelope: AnyEnvelope, delivery: Delivery): Promise<void> {
    const input = factOf(envelope);
    if (input === undefined) return;
    const orderId = envelope.subject;
    const applied = await this.inbox.apply<Decision>(envelope, delivery, async (tx) => {
      const decision = decide(await this.sagas.lock(tx, orderId), input.fact);
      if (!decision.apply) return { result: decision };
      await this.sagas.save(tx, decision.state, input.deadline);
      const causation = causedBy(envelope, SERVICE.name);
      return {
        result: decision,
        messages: decision.outputs.map((output) =>
          outputMessage(output, decision.state, input.deadline, causation),
        ),
      };
    });
    if (applied.duplicate) return;
    const outcome = applied.result;
    const log = this.logger.child({ orderId, correlationId: envelope.correlationId });
    if (!outcome.apply) {
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
