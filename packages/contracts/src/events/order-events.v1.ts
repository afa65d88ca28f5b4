import { z } from 'zod';
import { Currency, MinorUnits, OrderId, OrderLines } from '../common';

export const OrderCreatedV1 = z.strictObject({
  orderId: OrderId,
  customerId: z.string().min(1).max(128),
  currency: Currency,
  items: OrderLines,
  total: MinorUnits,
  paymentMethod: z.string().min(1).max(64),
  /** When the saga gives up and compensates (ISO 8601). */
  deadline: z.iso.datetime(),
});
export type OrderCreatedV1 = z.infer<typeof OrderCreatedV1>;

export const OrderFulfilledV1 = z.strictObject({ orderId: OrderId });
export type OrderFulfilledV1 = z.infer<typeof OrderFulfilledV1>;

export const CancellationReason = z.enum([
  'PAYMENT_DECLINED',
  'PAYMENT_FAILED',
  'OUT_OF_STOCK',
  'UNKNOWN_SKU',
  'DEADLINE_EXCEEDED',
]);
export type CancellationReason = z.infer<typeof CancellationReason>;

export const OrderCancelledV1 = z.strictObject({
  orderId: OrderId,
  reason: CancellationReason,
});
export type OrderCancelledV1 = z.infer<typeof OrderCancelledV1>;

/**
 * The saga ran out of time and gave up: every participant undoes what it did for this order
 * (choreography reacts to this fact; in orchestration the orchestrator also sends the commands).
 * `compensations` names the steps whose success the decider knew of, in the order they are undone;
 * steps still in flight are undone by their participant once their outcome is known.
 */
export const OrderDeadlineExceededV1 = z.strictObject({
  orderId: OrderId,
  deadline: z.iso.datetime(),
  compensations: z.array(z.string().min(1).max(64)).max(16),
});
export type OrderDeadlineExceededV1 = z.infer<typeof OrderDeadlineExceededV1>;
