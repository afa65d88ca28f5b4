import 'reflect-metadata';
import { bootSagaParticipant, runService } from '@order-saga/service-runtime';
import { loadFulfillmentConfig } from './config';
import { inventoryRoutes } from './inventory/application/inventory.routes';
import { ReleaseInventoryHandler } from './inventory/application/release-inventory.handler';
import { ReserveInventoryHandler } from './inventory/application/reserve-inventory.handler';
import { StockLevels } from './inventory/application/stock-levels';
import { InventoryRepository } from './inventory/infrastructure/inventory.repository';
import { CreateInventory1732780200000 } from './inventory/infrastructure/migrations/1732780200000-create-inventory';
import { InventoryController } from './inventory/interface/inventory.controller';
import { SERVICE } from './service';

// Composition root: the only place that knows how the pieces fit (ADR 0003).
void runService(SERVICE.name, () => {
  const config = loadFulfillmentConfig();
  return bootSagaParticipant({
    service: SERVICE,
    config,
    migrations: [CreateInventory1732780200000],
    build: ({ db, inbox, logger, metrics }) => {
      const inventory = new InventoryRepository();
      return {
        routes: inventoryRoutes(
          new ReserveInventoryHandler(inbox, inventory, logger),
          new ReleaseInventoryHandler(inbox, inventory, logger, metrics),
        ),
        // Every handler's effect is one inbox apply, nothing before it: batches are safe (ADR 0016).
        applyInBatches: true,
        controllers: [InventoryController],
        providers: [{ provide: StockLevels, useValue: new StockLevels(db, inventory) }],
      };
    },
  });
});
