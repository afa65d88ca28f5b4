import type { InventoryFailureReason, OrderLine } from '@order-saga/contracts';

export type ReservationPlan =
  | { readonly ok: true; readonly quantities: ReadonlyMap<string, number> }
  | {
      readonly ok: false;
      readonly reason: InventoryFailureReason;
      readonly skus: readonly string[];
    };

/**
 * Decides whether an order's lines fit the available stock, all or nothing. Lines naming the
 * same SKU are added up first. Unknown SKUs take precedence over shortages: an order for an
 * item we do not sell is a different failure from one we ran out of.
 */
export function planReservation(
  lines: readonly OrderLine[],
  available: ReadonlyMap<string, number>,
): ReservationPlan {
  const quantities = new Map<string, number>();
  for (const line of lines)
    quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);
  const unknown = [...quantities.keys()].filter((sku) => !available.has(sku));
  if (unknown.length > 0) return { ok: false, reason: 'UNKNOWN_SKU', skus: unknown.sort() };
  const short = [...quantities]
    .filter(([sku, quantity]) => (available.get(sku) ?? 0) < quantity)
    .map(([sku]) => sku);
  if (short.length > 0) return { ok: false, reason: 'OUT_OF_STOCK', skus: short.sort() };
  return { ok: true, quantities };
}
