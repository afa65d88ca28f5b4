import type { Envelope } from '@order-saga/contracts';
import type { InboxTransactions } from '@order-saga/inbox';
import type { Delivery } from '@order-saga/messaging';
import type { Logger } from '@order-saga/observability';
import type { DependencyStatusRepository } from '../infrastructure/dependency-status.repository';

/**
 * Keeps the payment provider's breaker state as the payments adapter reports it, so GET
 * /orders/{id} can say why an order waits (ADR 0012). Once per message, like every fact.
 */
export class RecordProviderStatusHandler {
  constructor(
    private readonly inbox: InboxTransactions,
    private readonly statuses: DependencyStatusRepository,
    private readonly logger: Logger,
  ) {}

  async handle(
    envelope: Envelope<'PaymentProviderStatusChanged'>,
    delivery: Delivery,
  ): Promise<void> {
    const applied = await this.inbox.apply(envelope, delivery, async (tx) => ({
      result: await this.statuses.record(tx, envelope.data),
    }));
    if (applied.duplicate) return;
    const { state, openedAt, reason } = envelope.data;
    this.logger.info(
      { dependency: envelope.data.dependency, state, openedAt, reason, kept: applied.result },
      'order.provider_status_recorded',
    );
  }
}
