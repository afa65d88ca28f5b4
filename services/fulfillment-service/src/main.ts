import 'reflect-metadata';
import { TOPICS } from '@order-saga/contracts';
import { INBOX_MIGRATIONS } from '@order-saga/inbox';
import { OUTBOX_MIGRATIONS } from '@order-saga/outbox';
import { bootSagaParticipant, runService } from '@order-saga/service-runtime';
import { loadFulfillmentConfig } from './config';
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
      const reserve = new ReserveInventoryHandler(db, inventory, outbox, logger, metrics);
      return {
        consumer: {
          name: CONSUMER_NAME,
          // Choreography reacts to the payment fact; orchestration obeys the saga's command.
          ...(config.SAGA_MODE === 'choreography'
            ? { topics: [TOPICS.paymentsEvents], accepts: ['PaymentConfirmed'] as const }
            : { topics: [TOPICS.inventoryCommands], accepts: ['ReserveInventory'] as const }),
          handler: async (envelope, delivery) => {
            if (envelope.name === 'PaymentConfirmed' || envelope.name === 'ReserveInventory') {
              await reserve.handle(envelope, delivery.topic);
            }
          },
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
