import { z } from 'zod';
import { Currency, MinorUnits, OrderId, OrderLines } from '../common';
import { CancellationReason } from '../events/order-events.v1';

// Commands are imperatives sent by the saga orchestrator (orchestration mode only).

export const AuthorizePaymentV1 = z.strictObject({
  orderId: OrderId,
  amount: MinorUnits,
  currency: Currency,
  paymentMethod: z.string().min(1).max(64),
  items: OrderLines,
});
export type AuthorizePaymentV1 = z.infer<typeof AuthorizePaymentV1>;

/** `reason` is what the saga compensates for; it travels on to PaymentRefunded. */
export const RefundPaymentV1 = z.strictObject({ orderId: OrderId, reason: CancellationReason });
export type RefundPaymentV1 = z.infer<typeof RefundPaymentV1>;

export const ReserveInventoryV1 = z.strictObject({ orderId: OrderId, items: OrderLines });
export type ReserveInventoryV1 = z.infer<typeof ReserveInventoryV1>;

/** Undo the order's reservation, if it holds one; `reason` travels on to InventoryReleased. */
export const ReleaseInventoryV1 = z.strictObject({ orderId: OrderId, reason: CancellationReason });
export type ReleaseInventoryV1 = z.infer<typeof ReleaseInventoryV1>;
