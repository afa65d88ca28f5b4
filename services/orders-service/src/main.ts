import 'reflect-metadata';
import { TOPICS } from '@order-saga/contracts';
import { INBOX_MIGRATIONS } from '@order-saga/inbox';
import { OUTBOX_MIGRATIONS } from '@order-saga/outbox';
import { bootSagaParticipant, runService } from '@order-saga/service-runtime';
import { loadOrdersConfig } from './config';
import {
  ApplySagaFactHandler,
  CONSUMER_NAME,
  SAGA_FACTS,
} from './orders/application/apply-saga-fact.handler';
import { CreateOrderHandler, SERVICE_NAME } from './orders/application/create-order.handler';
import { OrderQueries } from './orders/application/order.queries';
import { CreateOrders1732780000000 } from './orders/infrastructure/migrations/1732780000000-create-orders';
import { OrderRepository } from './orders/infrastructure/order.repository';
import { OrdersController } from './orders/interface/orders.controller';

// Composition root: the only place that knows how the pieces fit (ADR 0003).
void runService(SERVICE_NAME, () => {
  const config = loadOrdersConfig();
  return bootSagaParticipant({
    name: SERVICE_NAME,
    config,
    // The outbox and inbox tables come from their packages, as frozen versions.
    migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, CreateOrders1732780000000],
    build: ({ db, outbox, logger, metrics }) => {
      const orders = new OrderRepository();
      const apply = new ApplySagaFactHandler(db, orders, outbox, logger, metrics);
      const create = new CreateOrderHandler(db, orders, outbox, logger, config.SAGA_DEADLINE_MS);
      return {
        consumer: {
          name: CONSUMER_NAME,
          topics: [TOPICS.paymentsEvents, TOPICS.inventoryEvents],
          accepts: [...SAGA_FACTS],
          handler: (envelope, delivery) => apply.handle(envelope, delivery.topic),
        },
        controllers: [OrdersController],
        providers: [
          { provide: CreateOrderHandler, useValue: create },
          { provide: OrderQueries, useValue: new OrderQueries(db, orders) },
        ],
      };
    },
  });
});
