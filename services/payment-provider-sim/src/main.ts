import 'reflect-metadata';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import { createHttpApp, routeProcessWarnings, runService } from '@order-saga/service-runtime';
import { AppModule } from './app.module';
import { loadProviderConfig } from './config';

const SERVICE_NAME = 'payment-provider-sim';

void runService(SERVICE_NAME, async () => {
  const config = loadProviderConfig();
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  routeProcessWarnings(logger);
  const app = await createHttpApp({
    module: AppModule,
    logger,
    metrics: new SagaMetrics(SERVICE_NAME),
    // Nothing to depend on: the simulator is ready whenever it listens.
    readiness: () => [],
  });
  return { app, port: config.PORT, logger };
});
