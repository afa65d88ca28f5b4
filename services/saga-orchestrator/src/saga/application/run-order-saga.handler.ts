import { createEnvelope, type AnyEnvelope, type Envelope } from '@order-saga/contracts';
import { causedBy } from '@order-saga/messaging';
import { claimInboxMessage } from '@order-saga/inbox';
import { type TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { decide, type SagaCommand, type SagaFact } from '../domain/order-saga';
import type { SagaRepository } from '../infrastructure/saga.repository';

export const SERVICE_NAME = 'saga-orchestrator';
export const CONSUMER_NAME = 'saga-orchestrator.saga';

function factOf(envelope: AnyEnvelope): { fact: SagaFact; deadline?: Date } | undefined {
  switch (envelope.name) {
    case 'OrderCreated': {
      const { orderId, total, currency, paymentMethod, items } = envelope.data;
      return {
        fact: {
          kind: 'OrderCreated',
          order: { orderId, amount: total, currency, paymentMethod, items },
        },
        deadline: new Date(envelope.data.deadline),
      };
    }
    case 'PaymentConfirmed':
    case 'PaymentFailed':
    case 'InventoryReserved':
    case 'PaymentRefunded':
      return { fact: { kind: envelope.name } };
    case 'InventoryFailed':
      return { fact: { kind: 'InventoryFailed', reason: envelope.data.reason } };
    default:
      return undefined;
  }
}

function commandMessage(command: SagaCommand, cause: AnyEnvelope): Envelope {
  const causation = causedBy(cause, SERVICE_NAME);
  switch (command.name) {
    case 'AuthorizePayment': {
      const { orderId, amount, currency, paymentMethod, items } = command.order;
      return createEnvelope(
        'AuthorizePayment',
        orderId,
        { orderId, amount, currency, paymentMethod, items: [...items] },
        causation,
      );
    }
    case 'ReserveInventory':
      return createEnvelope(
        'ReserveInventory',
        command.order.orderId,
        { orderId: command.order.orderId, items: [...command.order.items] },
        causation,
      );
    case 'RefundPayment':
      return createEnvelope(
        'RefundPayment',
        command.orderId,
        { orderId: command.orderId, reason: command.reason },
        causation,
      );
  }
}

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
      await this.outbox.append(
        tx,
        decision.commands.map((command) => commandMessage(command, envelope)),
      );
      return decision;
    });
    const log = this.logger.child({ orderId, correlationId: envelope.correlationId });
    if (outcome === 'duplicate') {
      this.metrics.inboxDuplicates.inc({ topic });
    } else if (!outcome.apply) {
      log.info({ why: outcome.why }, 'saga.fact_ignored');
    } else {
      log.info(
        {
          status: outcome.state.status,
          step: outcome.state.step,
          commands: outcome.commands.map((c) => c.name),
        },
        'saga.advanced',
      );
    }
  }
}
