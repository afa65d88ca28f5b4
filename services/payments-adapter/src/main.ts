import 'reflect-metadata';
import { bootSagaParticipant, runService } from '@order-saga/service-runtime';
import { InboxTransactions } from '@order-saga/inbox';
import { SharedCircuitBreaker } from '@order-saga/resilience';
import { loadPaymentsConfig, providerBreakerPolicy, providerRetryPolicy } from './config';
import { AuthorizePaymentHandler } from './payments/application/authorize-payment.handler';
import { FailedCompensations } from './payments/application/failed-compensations';
import { paymentsRoutes } from './payments/application/payments.routes';
import { RefundPaymentHandler } from './payments/application/refund-payment.handler';
import { RetryRefundHandler } from './payments/application/retry-refund.handler';
import { ProviderCalls } from './payments/application/provider-calls';
import { ProviderReadinessWatcher } from './payments/application/provider-readiness.watcher';
import { breakerGate, breakerLifecycle } from './payments/application/provider-breaker';
import { publishProviderStatus } from './payments/application/provider-status.publisher';
import {
  ApplyPaymentWebhookHandler,
  WEBHOOK_CONSUMER,
} from './payments/application/apply-payment-webhook.handler';
import { CreatePayments1732780100000 } from './payments/infrastructure/migrations/1732780100000-create-payments';
import { RefundOutcome1764547300000 } from './payments/infrastructure/migrations/1764547300000-refund-outcome';
import { PaymentWebhooks1764576000000 } from './payments/infrastructure/migrations/1764576000000-payment-webhooks';
import {
  PaymentProviderClient,
  ProviderUnavailableError,
} from './payments/infrastructure/payment-provider.client';
import { PaymentRepository } from './payments/infrastructure/payment.repository';
import { providerReadinessSource } from './payments/infrastructure/provider-readiness.source';
import { CompensationsAdminController } from './payments/interface/compensations.admin-controller';
import { WebhookSignatureRepository } from './payments/infrastructure/webhook-signature.repository';
import {
  CALLBACK_LOGGER,
  PaymentCallbackController,
  WEBHOOK_SETTINGS,
  type WebhookSettings,
} from './payments/interface/payment-callback.controller';
import { SERVICE } from './service';

// Composition root: the only place that knows how the pieces fit (ADR 0003).
void runService(SERVICE.name, () => {
  const config = loadPaymentsConfig();
  // Before anything connects: bad retry or breaker settings are a configuration error (exit 78).
  const retry = providerRetryPolicy(config);
  const breakerSettings = providerBreakerPolicy(config);
  return bootSagaParticipant({
    service: SERVICE,
    config,
    migrations: [
      CreatePayments1732780100000,
      RefundOutcome1764547300000,
      PaymentWebhooks1764576000000,
    ],
    build: ({ db, inbox, outbox, logger, metrics }) => {
      const payments = new PaymentRepository();
      const provider = new PaymentProviderClient(
        config.PAYMENT_PROVIDER_URL,
        config.PROVIDER_TIMEOUT_MS,
      );
      // One breaker around every provider call, shared by the replicas through Redis (ADR 0012).
      // A readiness source may hold it open: breaker.holdOpen(reason) / breaker.release().
      const breaker = new SharedCircuitBreaker({
        name: 'payment-provider',
        policy: breakerSettings,
        isFailure: (error) => error instanceof ProviderUnavailableError,
        ...(config.REDIS_URL === undefined
          ? {}
          : { redis: { url: config.REDIS_URL, namespace: config.KAFKA_TOPIC_PREFIX } }),
        logger,
        metrics,
      });
      // Its changes go out as PaymentProviderStatusChanged: GET /orders/{id} says why an order waits.
      publishProviderStatus(breaker, db, outbox, logger);
      const calls = new ProviderCalls(
        db,
        payments,
        breaker,
        { retry, budgetMs: config.PROVIDER_RETRY_BUDGET_MS },
        logger,
        metrics,
      );
      const providerReadiness = new ProviderReadinessWatcher(
        providerReadinessSource(config, logger, metrics),
        breaker,
        logger,
      );
      const context = { db, inbox, payments, outbox, logger, metrics };
      const providerWork = { ...context, provider, calls };
      const refund = new RefundPaymentHandler(providerWork, config.REFUND_MAX_REFUSALS);
      const webhooks: WebhookSettings = {
        secrets: [config.WEBHOOK_SECRET, config.WEBHOOK_SECRET_PREVIOUS].filter(
          (s): s is string => s !== undefined,
        ),
        toleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
      };
      // The webhooks' inbox: their ids are the provider's event ids, claimed apart from the saga's.
      const applyWebhook = new ApplyPaymentWebhookHandler(
        { ...context, inbox: new InboxTransactions(db, outbox, WEBHOOK_CONSUMER, metrics) },
        {
          signatures: new WebhookSignatureRepository(),
          toleranceSeconds: webhooks.toleranceSeconds,
        },
      );
      return {
        routes: paymentsRoutes(new AuthorizePaymentHandler(providerWork), refund),
        // The provider's readiness and the breaker, in /health/ready: degraded, never unready.
        readiness: [providerReadiness.check()],
        // Every message this service consumes is provider work: paused while the breaker is open.
        consumptionGate: breakerGate(breaker),
        // The provider's readiness feeds the breaker (ADR 0013), from the moment it is started.
        background: [breakerLifecycle(breaker, logger, [providerReadiness])],
        // Compensations that gave up: listed and retried by an operator (npm run saga).
        adminControllers: [CompensationsAdminController],
        // The provider's asynchronous results: public port, verified by signature.
        controllers: [PaymentCallbackController],
        providers: [
          {
            provide: RetryRefundHandler,
            useValue: new RetryRefundHandler(db, payments, refund, logger, metrics),
          },
          { provide: FailedCompensations, useValue: new FailedCompensations(db, payments) },
          { provide: ApplyPaymentWebhookHandler, useValue: applyWebhook },
          { provide: WEBHOOK_SETTINGS, useValue: webhooks },
          { provide: CALLBACK_LOGGER, useValue: logger },
        ],
      };
    },
  });
});
