import 'reflect-metadata';
import { TOPICS } from '@order-saga/contracts';
import { INBOX_MIGRATIONS } from '@order-saga/inbox';
import { OUTBOX_MIGRATIONS } from '@order-saga/outbox';
import { bootSagaParticipant, runService } from '@order-saga/service-runtime';
import { loadOrchestratorConfig } from './config';
import {
  CONSUMER_NAME,
  RunOrderSagaHandler,
  SERVICE_NAME,
} from './saga/application/run-order-saga.handler';
import { CreateSagas1732780300000 } from './saga/infrastructure/migrations/1732780300000-create-sagas';
import { SagaRepository } from './saga/infrastructure/saga.repository';

// Composition root: the only place that knows how the pieces fit (ADR 0003).
void runService(SERVICE_NAME, () => {
  const config = loadOrchestratorConfig();
  return bootSagaParticipant({
    name: SERVICE_NAME,
    config,
    // The outbox and inbox tables come from their packages, as frozen versions.
    migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, CreateSagas1732780300000],
    build: ({ db, outbox, logger, metrics }) => {
      const saga = new RunOrderSagaHandler(db, new SagaRepository(), outbox, logger, metrics);
      return {
        consumer: {
          name: CONSUMER_NAME,
          topics: [TOPICS.ordersEvents, TOPICS.paymentsEvents, TOPICS.inventoryEvents],
          accepts: [
            'OrderCreated',
            'PaymentConfirmed',
            'PaymentFailed',
            'PaymentRefunded',
            'InventoryReserved',
            'InventoryFailed',
          ],
          handler: (envelope, delivery) => saga.handle(envelope, delivery.topic),
        },
      };
    },
  });
});
