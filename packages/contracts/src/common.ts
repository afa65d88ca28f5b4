import { z } from 'zod';

/** Money is always an integer amount of minor units (cents), never a float. */
export const MinorUnits = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** ISO 4217 alphabetic code. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR');

export const Sku = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'may contain letters, digits, ".", "_" and "-"');

export const OrderId = z.uuid();

export const OrderLine = z.strictObject({
  sku: Sku,
  quantity: z.number().int().positive().max(10_000),
  unitPrice: MinorUnits,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderLines = z.array(OrderLine).min(1).max(100);
