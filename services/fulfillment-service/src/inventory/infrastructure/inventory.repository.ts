import { randomUUID } from 'node:crypto';
import type { InventoryFailureReason, OrderLine } from '@order-saga/contracts';
import { queryRows, type SqlExecutor } from '@order-saga/persistence';

/** RESERVED holds stock; FAILED never did; RELEASED gave it back; CANCELLED came before any. */
export type ReservationStatus = 'RESERVED' | 'FAILED' | 'RELEASED' | 'CANCELLED';

export interface LockedReservation {
  readonly id: string;
  readonly status: ReservationStatus;
  readonly items: readonly OrderLine[];
}

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

  async findReservation(
    db: SqlExecutor,
    orderId: string,
  ): Promise<{ id: string; status: ReservationStatus } | undefined> {
    const [row] = await queryRows<{ id: string; status: ReservationStatus }>(
      db,
      'SELECT id, status FROM inventory_reservations WHERE order_id = $1',
      [orderId],
    );
    return row;
  }

  /**
   * The order's reservation, locked; or, if it has none yet, a CANCELLED one that keeps any later
   * reservation request from taking stock. The insert races a concurrent reservation safely: the
   * unique order_id makes one of them wait for the other, and the loser sees the winner's row.
   */
  async lockOrCancelReservation(
    tx: SqlExecutor,
    orderId: string,
  ): Promise<LockedReservation | 'cancelled-before-reserving'> {
    const inserted = await queryRows<{ id: string }>(
      tx,
      `INSERT INTO inventory_reservations (id, order_id, status, items) VALUES ($1, $2, 'CANCELLED', '[]')
       ON CONFLICT (order_id) DO NOTHING RETURNING id`,
      [randomUUID(), orderId],
    );
    if (inserted.length === 1) return 'cancelled-before-reserving';
    const [row] = await queryRows<{ id: string; status: ReservationStatus; items: OrderLine[] }>(
      tx,
      'SELECT id, status, items FROM inventory_reservations WHERE order_id = $1 FOR UPDATE',
      [orderId],
    );
    if (row === undefined) throw new Error(`reservation of order ${orderId} vanished`);
    return row;
  }

  /** Puts a reservation's quantities back on the shelf and marks it RELEASED (caller holds its lock). */
  async release(
    tx: SqlExecutor,
    reservationId: string,
    items: readonly OrderLine[],
  ): Promise<void> {
    const quantities = new Map<string, number>();
    for (const item of items)
      quantities.set(item.sku, (quantities.get(item.sku) ?? 0) + item.quantity);
    await tx.query(
      `WITH r AS (
         UPDATE inventory_reservations SET status = 'RELEASED', updated_at = now()
         WHERE id = $1 AND status = 'RESERVED' RETURNING id
       )
       UPDATE stock_levels s SET available = s.available + q.quantity, reserved = s.reserved - q.quantity, updated_at = now()
       FROM unnest($2::text[], $3::int[]) AS q(sku, quantity)
       WHERE s.sku = q.sku AND EXISTS (SELECT 1 FROM r)`,
      [reservationId, [...quantities.keys()], [...quantities.values()]],
    );
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
