import type { SqlExecutor } from '@order-saga/persistence';
import type { InventoryRepository, StockLevel } from '../infrastructure/inventory.repository';

export type { StockLevel };

/** Stock administration: how the demo and tests put goods on the shelf, and read them back. */
export class StockLevels {
  constructor(
    private readonly db: SqlExecutor,
    private readonly inventory: InventoryRepository,
  ) {}

  set(sku: string, available: number): Promise<StockLevel> {
    return this.inventory.setStock(this.db, sku, available);
  }

  get(sku: string): Promise<StockLevel | undefined> {
    return this.inventory.stock(this.db, sku);
  }
}
