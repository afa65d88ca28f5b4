import { createEnvelope, type Envelope } from '@order-saga/contracts';
import { causedBy } from '@order-saga/messaging';
import { claimInboxMessage } from '@order-saga/inbox';
import { type TransactionRunner } from '@order-saga/persistence';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { OutboxWriter } from '@order-saga/outbox';
import { planReservation } from '../domain/reservation';
import type { InventoryRepository } from '../infrastructure/inventory.repository';

export const SERVICE_NAME = 'fulfillment-service';
export const CONSUMER_NAME = 'fulfillment-service.saga';

/**
 * Reserves stock for a paid order (on PaymentConfirmed or ReserveInventory), all lines or none. The
 * inbox claim, the stock change, the reservation record and InventoryReserved/InventoryFailed
 * commit together; stock rows are locked while checked, so stock never goes below zero.
 */
export class ReserveInventoryHandler {
  constructor(
    private readonly db: TransactionRunner,
    private readonly inventory: InventoryRepository,
    private readonly outbox: OutboxWriter,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  /** `event` is PaymentConfirmed (choreography) or ReserveInventory (orchestration). */
  async handle(
    event: Envelope<'PaymentConfirmed'> | Envelope<'ReserveInventory'>,
    topic: string,
  ): Promise<void> {
    const { orderId, items } = event.data;
    const outcome = await this.db.transaction(async (tx) => {
      if (!(await claimInboxMessage(tx, CONSUMER_NAME, event))) return 'duplicate' as const;
      // One reservation per order, even if the saga asked twice with different messages; none at
      // all for an order whose saga was given up before this request arrived (CANCELLED).
      const existing = await this.inventory.findReservation(tx, orderId);
      if (existing?.status === 'CANCELLED') return 'cancelled' as const;
      if (existing !== undefined) return 'already-decided' as const;
      const available = await this.inventory.lockStock(
        tx,
        items.map((item) => item.sku),
      );
      const plan = planReservation(items, available);
      const causation = causedBy(event, SERVICE_NAME);
      if (plan.ok) {
        await this.inventory.take(tx, plan.quantities);
        const reservationId = await this.inventory.recordReservation(tx, orderId, items);
        await this.outbox.append(tx, [
          createEnvelope(
            'InventoryReserved',
            orderId,
            { orderId, reservationId, items },
            causation,
          ),
        ]);
        return { reserved: true as const, reservationId };
      }
      await this.inventory.recordReservation(tx, orderId, items, plan);
      await this.outbox.append(tx, [
        createEnvelope(
          'InventoryFailed',
          orderId,
          { orderId, reason: plan.reason, skus: [...plan.skus] },
          causation,
        ),
      ]);
      return { reserved: false as const, reason: plan.reason, skus: plan.skus };
    });

    const log = this.logger.child({ orderId, correlationId: event.correlationId });
    if (outcome === 'duplicate') {
      this.metrics.inboxDuplicates.inc({ topic });
    } else if (outcome === 'already-decided') {
      log.info('inventory.already_decided');
    } else if (outcome === 'cancelled') {
      log.info('inventory.reservation_refused_saga_cancelled');
    } else if (outcome.reserved) {
      log.info({ reservationId: outcome.reservationId }, 'inventory.reserved');
    } else {
      log.info({ reason: outcome.reason, skus: outcome.skus }, 'inventory.reservation_failed');
    }
  }
}
