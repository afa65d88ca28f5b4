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
import { OrdersController } from './orders/interface/orders.controller';
import { loadOrdersConfig } from './config';
import { ApplySagaFactHandler, CONSUMER_NAME } from './orders/application/apply-saga-fact.handler';
import { CreateOrderHandler, SERVICE_NAME } from './orders/application/create-order.handler';
import { OrderQueries } from './orders/application/order.queries';
import { CreateOrders1732780000000 } from './orders/infrastructure/migrations/1732780000000-create-orders';
import { OrderRepository } from './orders/infrastructure/order.repository';

void runService(SERVICE_NAME, async () => {
  const config = loadOrdersConfig();
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  routeProcessWarnings(logger);
  const metrics = new SagaMetrics(SERVICE_NAME);
  const dataSource = await openDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    entities: [],
    migrations: [CreateOrders1732780000000],
    logger,
  });
  const orders = new OrderRepository();
  const outbox = new OutboxWriter(config.KAFKA_TOPIC_PREFIX);
  const apply = new ApplySagaFactHandler(dataSource, orders, outbox, logger, metrics);
  const messaging = new MessagingRuntime({
    kafka: createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger }),
    db: dataSource,
    databaseUrl: config.DATABASE_URL,
    logger,
    metrics,
    consumer: {
      groupId: `${config.KAFKA_TOPIC_PREFIX}${CONSUMER_NAME}`,
      topics: [TOPICS.paymentsEvents, TOPICS.inventoryEvents].map((t) =>
        topicName(t, config.KAFKA_TOPIC_PREFIX),
      ),
      handler: (envelope, delivery) => apply.handle(envelope, delivery.topic),
      partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENCY,
    },
  });
  const app = await createHttpApp({
    module: shellModule({
      controllers: [OrdersController],
      providers: [
        {
          provide: CreateOrderHandler,
          useValue: new CreateOrderHandler(
            dataSource,
            orders,
            outbox,
            logger,
            config.SAGA_DEADLINE_MS,
          ),
        },
        { provide: OrderQueries, useValue: new OrderQueries(dataSource, orders) },
      ],
      shutdown: async () => {
        await messaging.stop();
        await dataSource.destroy();
        logger.info('service.stopped');
      },
    }),
    logger,
    metrics,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    readiness: () => [
      { name: 'database', check: async () => void (await dataSource.query('SELECT 1')) },
      messaging.readiness,
    ],
  });
  await messaging.start();
  return { app, port: config.PORT, logger };
});
