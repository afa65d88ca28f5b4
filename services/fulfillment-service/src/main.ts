import 'reflect-metadata';
import { INBOX_MIGRATIONS } from '@order-saga/inbox';
import { OUTBOX_MIGRATIONS } from '@order-saga/outbox';
import { bootSagaParticipant, runService } from '@order-saga/service-runtime';
import { loadFulfillmentConfig } from './config';
import {
  INVENTORY_INPUTS,
  InventoryRouter,
  inputTopics,
} from './inventory/application/inventory.router';
import { ReleaseInventoryHandler } from './inventory/application/release-inventory.handler';
import {
  CONSUMER_NAME,
  ReserveInventoryHandler,
  SERVICE_NAME,
} from './inventory/application/reserve-inventory.handler';
import { InventoryRepository } from './inventory/infrastructure/inventory.repository';
import { CreateInventory1732780200000 } from './inventory/infrastructure/migrations/1732780200000-create-inventory';
import { INVENTORY_DB, InventoryController } from './inventory/interface/inventory.controller';

// Composition root: the only place that knows how the pieces fit (ADR 0003).
void runService(SERVICE_NAME, () => {
  const config = loadFulfillmentConfig();
  return bootSagaParticipant({
    name: SERVICE_NAME,
    config,
    // The outbox and inbox tables come from their packages, as frozen versions.
    migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, CreateInventory1732780200000],
    build: ({ db, outbox, logger, metrics }) => {
      const inventory = new InventoryRepository();
      const router = new InventoryRouter(
        new ReserveInventoryHandler(db, inventory, outbox, logger, metrics),
        new ReleaseInventoryHandler(db, inventory, outbox, logger, metrics),
      );
      // Choreography reacts to facts; orchestration obeys the saga's commands.
      const accepts = INVENTORY_INPUTS[config.SAGA_MODE];
      return {
        consumer: {
          name: CONSUMER_NAME,
          topics: inputTopics(accepts),
          accepts,
          handler: (envelope, delivery) => router.route(envelope, delivery.topic),
        },
        controllers: [InventoryController],
        providers: [
          { provide: INVENTORY_DB, useValue: db },
          { provide: InventoryRepository, useValue: inventory },
        ],
      };
    },
  });
});
