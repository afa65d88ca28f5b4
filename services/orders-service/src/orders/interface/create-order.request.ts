import { z } from 'zod';
import { Currency, OrderLines, problemFieldsOf } from '@order-saga/contracts';
import { ORDER_SAGA } from '@order-saga/saga-definition';
import type { ProblemField } from '@order-saga/service-runtime';
import type { NewOrder } from '../application/create-order.handler';

/** POST /orders body. Unknown fields are rejected, not ignored: a typo must not pass silently. */
export const CreateOrderRequest = z
  .strictObject({
    customerId: z.string().min(1).max(128),
    currency: Currency,
    items: OrderLines,
    paymentMethod: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_]+$/, 'must be a payment method token such as pm_card_visa'),
    /** The saga's own deadline, within the saga's bounds; the deployment's default otherwise. */
    deadlineSeconds: z
      .number()
      .int()
      .min(ORDER_SAGA.deadline.minMs / 1_000)
      .max(ORDER_SAGA.deadline.maxMs / 1_000)
      .optional(),
  })
  .refine(
    (order) =>
      Number.isSafeInteger(order.items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0)),
    { path: ['items'], message: 'order total exceeds the largest representable amount' },
  );

export function parseCreateOrder(
  body: unknown,
): { ok: true; order: NewOrder } | { ok: false; errors: ProblemField[] } {
  const result = CreateOrderRequest.safeParse(body);
  if (result.success) {
    const { deadlineSeconds, ...order } = result.data;
    return {
      ok: true,
      order:
        deadlineSeconds === undefined ? order : { ...order, deadlineMs: deadlineSeconds * 1_000 },
    };
  }
  const errors = problemFieldsOf(result.error);
  return { ok: false, errors };
}
