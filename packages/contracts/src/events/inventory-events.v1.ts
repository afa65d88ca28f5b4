import { z } from 'zod';
import { OrderId, OrderLines, Sku } from '../common';
import { CancellationReason } from './order-events.v1';

export const InventoryReservedV1 = z.strictObject({
  orderId: OrderId,
  reservationId: z.uuid(),
  items: OrderLines,
});
export type InventoryReservedV1 = z.infer<typeof InventoryReservedV1>;

export const InventoryFailureReason = z.enum(['OUT_OF_STOCK', 'UNKNOWN_SKU']);
export type InventoryFailureReason = z.infer<typeof InventoryFailureReason>;

export const InventoryFailedV1 = z.strictObject({
  orderId: OrderId,
  reason: InventoryFailureReason,
  /** The SKUs that could not be reserved. */
  skus: z.array(Sku).min(1),
});
export type InventoryFailedV1 = z.infer<typeof InventoryFailedV1>;

/** A reservation was undone: its quantities are back in stock (exactly once per reservation). */
export const InventoryReleasedV1 = z.strictObject({
  orderId: OrderId,
  reservationId: z.uuid(),
  items: OrderLines,
  /** Why the saga compensated. */
  reason: CancellationReason,
});
export type InventoryReleasedV1 = z.infer<typeof InventoryReleasedV1>;
