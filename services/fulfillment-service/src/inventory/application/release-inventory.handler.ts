import { createEnvelope, type AnyEnvelope, type CancellationReason } from '@order-saga/contracts';
import type { InboxTransactions } from '@order-saga/inbox';
import { causedBy, type Delivery } from '@order-saga/messaging';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import { SERVICE } from '../../service';
import type { InventoryRepository } from '../infrastructure/inventory.repository';

type ReleaseOutcome =
  | { readonly kind: 'cancelled-before-reserving' }
  | { readonly kind: 'not-needed'; readonly status: string }
  | { readonly kind: 'released'; readonly reservationId: string };

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
    private readonly inbox: InboxTransactions,
    private readonly inventory: InventoryRepository,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  async handle(event: AnyEnvelope, reason: CancellationReason, delivery: Delivery): Promise<void> {
    const orderId = event.subject;
    const outcome = await this.inbox.apply<ReleaseOutcome>(event, delivery, async (tx) => {
      const reservation = await this.inventory.lockOrCancelReservation(tx, orderId);
      if (reservation === 'cancelled-before-reserving')
        return { result: { kind: 'cancelled-before-reserving' } };
      if (reservation.status !== 'RESERVED')
        return { result: { kind: 'not-needed', status: reservation.status } };
      await this.inventory.release(tx, reservation.id, reservation.items);
      return {
        result: { kind: 'released', reservationId: reservation.id },
        messages: [
          createEnvelope(
            'InventoryReleased',
            orderId,
            { orderId, reservationId: reservation.id, items: [...reservation.items], reason },
            causedBy(event, SERVICE.name),
          ),
        ],
      };
    });
    if (outcome.duplicate) return;

    const log = this.logger.child({ orderId, correlationId: event.correlationId, reason });
    const { result } = outcome;
    if (result.kind === 'cancelled-before-reserving') {
      this.metrics.sagaCompensations.inc({ step: 'inventory', outcome: 'not_needed' });
      log.info('inventory.cancelled_before_reserving');
    } else if (result.kind === 'not-needed') {
      this.metrics.sagaCompensations.inc({ step: 'inventory', outcome: 'not_needed' });
      log.info({ status: result.status }, 'inventory.release_not_needed');
    } else {
      this.metrics.sagaCompensations.inc({ step: 'inventory', outcome: 'compensated' });
      log.info({ reservationId: result.reservationId }, 'inventory.released');
    }
  }
}
