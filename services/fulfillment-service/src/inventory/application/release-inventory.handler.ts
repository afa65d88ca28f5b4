import { createEnvelope, type AnyEnvelope, type CancellationReason } from '@order-saga/contracts';
import { causedBy } from '@order-saga/messaging';
import { claimInboxMessage } from '@order-saga/inbox';
import type { TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import type { InventoryRepository } from '../infrastructure/inventory.repository';
import { CONSUMER_NAME, SERVICE_NAME } from './reserve-inventory.handler';

/**
 * The saga's compensation of a reservation (on ReleaseInventory, or OrderDeadlineExceeded in
 * choreography): the order's reserved quantities go back to stock and InventoryReleased is
 * emitted, with the inbox claim, in one transaction. Stock goes back exactly once: the
 * reservation row is locked and moves RESERVED -> RELEASED once. An order with no reservation yet
 * gets a CANCELLED one, so a reservation request arriving later (a late PaymentConfirmed) is
 * refused instead of holding stock for a cancelled order.
 */
export class ReleaseInventoryHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly inventory: InventoryRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  async handle(event: AnyEnvelope, reason: CancellationReason, topic: string): Promise<void> {
    const orderId = event.subject;
    const outcome = await this.db.transaction(async (tx) => {
      if (!(await claimInboxMessage(tx, CONSUMER_NAME, event))) return 'duplicate' as const;
      const reservation = await this.inventory.lockOrCancelReservation(tx, orderId);
      if (reservation === 'cancelled-before-reserving') return reservation;
      if (reservation.status !== 'RESERVED')
        return { released: false as const, status: reservation.status };
      await this.inventory.release(tx, reservation.id, reservation.items);
      await this.outbox.append(tx, [
        createEnvelope(
          'InventoryReleased',
          orderId,
          { orderId, reservationId: reservation.id, items: [...reservation.items], reason },
          causedBy(event, SERVICE_NAME),
        ),
      ]);
      return { released: true as const, reservationId: reservation.id };
    });

    const log = this.logger.child({ orderId, correlationId: event.correlationId, reason });
    if (outcome === 'duplicate') {
      this.metrics.inboxDuplicates.inc({ topic });
    } else if (outcome === 'cancelled-before-reserving') {
      this.metrics.sagaCompensations.inc({ step: 'inventory', outcome: 'not_needed' });
      log.info('inventory.cancelled_before_reserving');
    } else if (!outcome.released) {
      this.metrics.sagaCompensations.inc({ step: 'inventory', outcome: 'not_needed' });
      log.info({ status: outcome.status }, 'inventory.release_not_needed');
    } else {
      this.metrics.sagaCompensations.inc({ step: 'inventory', outcome: 'compensated' });
      log.info({ reservationId: outcome.reservationId }, 'inventory.released');
    }
  }
}
