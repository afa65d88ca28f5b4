import 'reflect-metadata';
import { TOPICS, topicName } from '@order-saga/contracts';
import { createKafka } from '@order-saga/messaging';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import { MessagingRuntime, OutboxWriter } from '@order-saga/outbox';
import {
  createHttpApp,
  openDatabase,
  routeProcessWarnings,
  runService,
  shellModule,
} from '@order-saga/service-runtime';
import { loadFulfillmentConfig } from './config';
import {
  CONSUMER_NAME,
  ReserveInventoryHandler,
  SERVICE_NAME,
} from './inventory/application/reserve-inventory.handler';
import { InventoryRepository } from './inventory/infrastructure/inventory.repository';
import { CreateInventory1732780200000 } from './inventory/infrastructure/migrations/1732780200000-create-inventory';
import { INVENTORY_DB, InventoryController } from './inventory/interface/inventory.controller';

void runService(SERVICE_NAME, async () => {
  const config = loadFulfillmentConfig();
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  routeProcessWarnings(logger);
  const metrics = new SagaMetrics(SERVICE_NAME);
  const dataSource = await openDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    entities: [],
    migrations: [CreateInventory1732780200000],
    logger,
  });
  const inventory = new InventoryRepository();
  const outbox = new OutboxWriter(config.KAFKA_TOPIC_PREFIX);
  const reserve = new ReserveInventoryHandler(dataSource, inventory, outbox, logger, metrics);
  const messaging = new MessagingRuntime({
    kafka: createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger }),
    db: dataSource,
    databaseUrl: config.DATABASE_URL,
    logger,
    metrics,
    consumer: {
      groupId: `${config.KAFKA_TOPIC_PREFIX}${CONSUMER_NAME}`,
      topics: [topicName(TOPICS.paymentsEvents, config.KAFKA_TOPIC_PREFIX)],
      handler: async (envelope, delivery) => {
        if (envelope.name === 'PaymentConfirmed') await reserve.handle(envelope, delivery.topic);
      },
      partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENCY,
    },
  });
  const app = await createHttpApp({
    module: shellModule({
      controllers: [InventoryController],
      providers: [
        { provide: INVENTORY_DB, useValue: dataSource },
        { provide: InventoryRepository, useValue: inventory },
      ],
      shutdown: async () => {
        await messaging.stop();
        await dataSource.destroy();
        logger.info('service.stopped');
      },
    }),
    logger,
    metrics,
    readiness: () => [
      { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) },
      messaging.readiness,
    ],
  });
  await messaging.start();
  return { app, port: config.PORT, logger };
});
