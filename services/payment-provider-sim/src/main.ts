import 'reflect-metadata';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import {
  createHttpApp,
  listenAddresses,
  routeProcessWarnings,
  runService,
  shellModule,
} from '@order-saga/service-runtime';
import { loadProviderConfig } from './config';
import { Ledger } from './payments/ledger';
import { PROVIDER_LOGGER, PaymentsController } from './payments/payments.controller';

const SERVICE_NAME = 'payment-provider-sim';

void runService(SERVICE_NAME, async () => {
  const config = loadProviderConfig();
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  routeProcessWarnings(logger);
  const app = await createHttpApp({
    module: shellModule({
      controllers: [PaymentsController],
      providers: [
        { provide: Ledger, useValue: new Ledger() },
        { provide: PROVIDER_LOGGER, useValue: logger },
      ],
      shutdown: () => Promise.resolve(logger.info('service.stopped')),
    }),
    logger,
    metrics: new SagaMetrics(SERVICE_NAME),
    // Nothing to depend on: the simulator is ready whenever it listens.
    readiness: () => [],
  });
  return { app, logger, ...listenAddresses(config) };
});
