import { createEnvelope, type Envelope } from '@order-saga/contracts';
import type { InboxTransactions } from '@order-saga/inbox';
import { causedBy, type Delivery } from '@order-saga/messaging';
import type { Logger } from '@order-saga/observability';
import { SERVICE } from '../../service';
import { planReservation } from '../domain/reservation';
import type { InventoryRepository } from '../infrastructure/inventory.repository';

type ReservationOutcome =
  | { readonly kind: 'already-decided' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'reserved'; readonly reservationId: string }
  | { readonly kind: 'failed'; readonly reason: string; readonly skus: readonly string[] };

/**
 * Reserves stock for a paid order (on PaymentConfirmed or ReserveInventory), all lines or none. The
 * inbox claim, the stock change, the reservation record and InventoryReserved/InventoryFailed
 * commit together; stock rows are locked while checked, so stock never goes below zero.
 */
export class ReserveInventoryHandler {
  constructor(
    private readonly inbox: InboxTransactions,
    private readonly inventory: InventoryRepository,
    private readonly logger: Logger,
  ) {}

  /** `event` is PaymentConfirmed (choreography) or ReserveInventory (orchestration). */
  async handle(
    event: Envelope<'PaymentConfirmed'> | Envelope<'ReserveInventory'>,
    delivery: Delivery,
  ): Promise<void> {
    const { orderId, items } = event.data;
    const causation = causedBy(event, SERVICE.name);
    const outcome = await this.inbox.apply<ReservationOutcome>(event, delivery, async (tx) => {
      // One reservation per order, even if the saga asked twice with different messages; none at
      // all for an order whose saga was given up before this request arrived (CANCELLED).
      const existing = await this.inventory.findReservation(tx, orderId);
      if (existing?.status === 'CANCELLED') return { result: { kind: 'cancelled' } };
      if (existing !== undefined) return { result: { kind: 'already-decided' } };
      const available = await this.inventory.lockStock(
        tx,
        items.map((item) => item.sku),
      );
      const plan = planReservation(items, available);
      if (plan.ok) {
        await this.inventory.take(tx, plan.quantities);
        const reservationId = await this.inventory.recordReservation(tx, orderId, items);
        return {
          result: { kind: 'reserved', reservationId },
          messages: [
            createEnvelope(
              'InventoryReserved',
              orderId,
              { orderId, reservationId, items },
              causation,
            ),
          ],
        };
      }
      await this.inventory.recordReservation(tx, orderId, items, plan);
      return {
        result: { kind: 'failed', reason: plan.reason, skus: plan.skus },
        messages: [
          createEnvelope(
            'InventoryFailed',
            orderId,
            { orderId, reason: plan.reason, skus: [...plan.skus] },
            causation,
          ),
        ],
      };
    });
    if (outcome.duplicate) return;

    const log = this.logger.child({ orderId, correlationId: event.correlationId });
    const { result } = outcome;
    if (result.kind === 'already-decided') log.info('inventory.already_decided');
    else if (result.kind === 'cancelled') log.info('inventory.reservation_refused_saga_cancelled');
    else if (result.kind === 'reserved')
      log.info({ reservationId: result.reservationId }, 'inventory.reserved');
    else log.info({ reason: result.reason, skus: result.skus }, 'inventory.reservation_failed');
  }
}
