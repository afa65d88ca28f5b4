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
import { loadPaymentsConfig } from './config';
import {
  AuthorizePaymentHandler,
  CONSUMER_NAME,
  SERVICE_NAME,
} from './payments/application/authorize-payment.handler';
import { RefundPaymentHandler } from './payments/application/refund-payment.handler';
import { SagaEventsRouter } from './payments/application/saga-events.router';
import { CreatePayments1732780100000 } from './payments/infrastructure/migrations/1732780100000-create-payments';
import { PaymentProviderClient } from './payments/infrastructure/payment-provider.client';
import { PaymentRepository } from './payments/infrastructure/payment.repository';

void runService(SERVICE_NAME, async () => {
  const config = loadPaymentsConfig();
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  routeProcessWarnings(logger);
  const metrics = new SagaMetrics(SERVICE_NAME);
  const dataSource = await openDatabase({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    entities: [],
    migrations: [CreatePayments1732780100000],
    logger,
  });
  const payments = new PaymentRepository();
  const provider = new PaymentProviderClient(
    config.PAYMENT_PROVIDER_URL,
    config.PROVIDER_TIMEOUT_MS,
  );
  const outbox = new OutboxWriter(config.KAFKA_TOPIC_PREFIX);
  const router = new SagaEventsRouter(
    new AuthorizePaymentHandler(dataSource, payments, provider, outbox, logger, metrics),
    new RefundPaymentHandler(dataSource, payments, provider, outbox, logger, metrics),
  );
  const messaging = new MessagingRuntime({
    kafka: createKafka({ clientId: SERVICE_NAME, brokers: config.KAFKA_BROKERS, logger }),
    db: dataSource,
    databaseUrl: config.DATABASE_URL,
    logger,
    metrics,
    consumer: {
      groupId: `${config.KAFKA_TOPIC_PREFIX}${CONSUMER_NAME}`,
      topics: [TOPICS.ordersEvents, TOPICS.inventoryEvents].map((t) =>
        topicName(t, config.KAFKA_TOPIC_PREFIX),
      ),
      handler: (envelope) => router.route(envelope),
      partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENCY,
    },
  });
  const app = await createHttpApp({
    module: shellModule({
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
