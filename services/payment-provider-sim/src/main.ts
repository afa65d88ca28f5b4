import 'reflect-metadata';
import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import {
  createHttpApp,
  listenAddresses,
  routeProcessWarnings,
  runService,
  shellModule,
} from '@order-saga/service-runtime';
import { ProviderAdminController, WEBHOOK_TARGET } from './admin/provider-admin.controller';
import { loadProviderConfig } from './config';
import { Ledger } from './payments/ledger';
import { PROVIDER_LOGGER, PaymentsController } from './payments/payments.controller';
import { Processor } from './processor/processor';
import { seededRandom } from './processor/random';
import { WebhookDispatcher, type WebhookTarget } from './webhooks/webhook-dispatcher';

const SERVICE_NAME = 'payment-provider-sim';

void runService(SERVICE_NAME, async () => {
  const config = loadProviderConfig();
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  routeProcessWarnings(logger);
  const seed = config.PROVIDER_SEED ?? randomInt(2 ** 32);
  const random = seededRandom(seed);
  const secrets = [config.WEBHOOK_SECRET, config.WEBHOOK_SECRET_PREVIOUS].filter(
    (s): s is string => s !== undefined,
  );
  const target: WebhookTarget | null =
    config.WEBHOOK_URL !== undefined && config.WEBHOOK_SECRET !== undefined
      ? { url: config.WEBHOOK_URL, secrets }
      : null;
  const ledger = new Ledger();
  const processor = new Processor(random, target !== null);
  const webhooks = new WebhookDispatcher(target ?? undefined, ledger, logger, () =>
    processor.draw(),
  );
  logger.info({ seed, webhookUrl: target?.url ?? null }, 'provider.configured');
  const app = await createHttpApp({
    module: shellModule({
      controllers: [PaymentsController],
      adminControllers: [ProviderAdminController],
      providers: [
        { provide: Ledger, useValue: ledger },
        { provide: Processor, useValue: processor },
        { provide: WebhookDispatcher, useValue: webhooks },
        { provide: WEBHOOK_TARGET, useValue: target },
        { provide: PROVIDER_LOGGER, useValue: logger },
      ],
      shutdown: () => {
        webhooks.stop();
        logger.info('service.stopped');
        return Promise.resolve();
      },
    }),
    logger,
    metrics: new SagaMetrics(SERVICE_NAME),
    // Ready means "payment calls can succeed": false during a simulated outage, which is what
    // the adapter's readiness prober (and Kubernetes) should see.
    readiness: () => [
      {
        name: 'processor',
        check: () =>
          processor.available() ? Promise.resolve() : Promise.reject(new Error('simulated outage')),
      },
    ],
  });
  // Before the server closes (it waits for open requests): drop the calls held as "timeouts".
  (app.getHttpAdapter().getInstance() as FastifyInstance).addHook('preClose', (done) => {
    processor.releaseHeld();
    done();
  });
  return { app, logger, ...listenAddresses(config) };
});
