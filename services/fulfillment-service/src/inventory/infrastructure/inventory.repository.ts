import { randomUUID } from 'node:crypto';
import type { InventoryFailureReason, OrderLine } from '@order-saga/contracts';
import { queryRows, type SqlExecutor } from '@order-saga/persistence';

export interface StockLevel {
  readonly sku: string;
  readonly available: number;
  readonly reserved: number;
}

export class InventoryRepository {
  /**
   * Locks the stock rows of these SKUs in a fixed order (sorted), so concurrent reservations
   * touching the same SKUs queue instead of deadlocking.
   */
  async lockStock(tx: SqlExecutor, skus: readonly string[]): Promise<Map<string, number>> {
    const rows = await queryRows<{ sku: string; available: number }>(
      tx,
      'SELECT sku, available FROM stock_levels WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE',
      [[...new Set(skus)]],
    );
    return new Map(rows.map((row) => [row.sku, row.available]));
  }

  async take(tx: SqlExecutor, quantities: ReadonlyMap<string, number>): Promise<void> {
    await tx.query(
      `UPDATE stock_levels s SET available = s.available - q.quantity, reserved = s.reserved + q.quantity, updated_at = now()
       FROM unnest($1::text[], $2::int[]) AS q(sku, quantity) WHERE s.sku = q.sku`,
      [[...quantities.keys()], [...quantities.values()]],
    );
  }

  async findReservationId(db: SqlExecutor, orderId: string): Promise<string | undefined> {
    const [row] = await queryRows<{ id: string }>(
      db,
      'SELECT id FROM inventory_reservations WHERE order_id = $1',
      [orderId],
    );
    return row?.id;
  }

  async recordReservation(
    tx: SqlExecutor,
    orderId: string,
    items: readonly OrderLine[],
    failure?: { reason: InventoryFailureReason; skus: readonly string[] },
  ): Promise<string> {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO inventory_reservations (id, order_id, status, items, reason, skus) VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
      [
        id,
        orderId,
        failure === undefined ? 'RESERVED' : 'FAILED',
        JSON.stringify(items),
        failure?.reason ?? null,
        failure?.skus ?? null,
      ],
    );
    return id;
  }

  async setStock(db: SqlExecutor, sku: string, available: number): Promise<StockLevel> {
    const [row] = await queryRows<StockLevel>(
      db,
      `INSERT INTO stock_levels (sku, available) VALUES ($1, $2)
       ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, updated_at = now()
       RETURNING sku, available, reserved`,
      [sku, available],
    );
    if (row === undefined) throw new Error(`stock for ${sku} not written`);
    return row;
  }

  async stock(db: SqlExecutor, sku: string): Promise<StockLevel | undefined> {
    const [row] = await queryRows<StockLevel>(
      db,
      'SELECT sku, available, reserved FROM stock_levels WHERE sku = $1',
      [sku],
    );
    return row;
  }
}
