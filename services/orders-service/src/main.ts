import 'reflect-metadata';
import {
  ExpiredKeysSweeper,
  IDEMPOTENCY_MIGRATIONS,
  IdempotencyCache,
  IdempotencyRecords,
  IdempotentRequests,
} from '@order-saga/idempotency';
import { SagaMetrics } from '@order-saga/observability';
import { poolGaugeOf } from '@order-saga/persistence';
import {
  PeriodicTask,
  bootSagaParticipant,
  runService,
  sweepUntilShort,
} from '@order-saga/service-runtime';
import { loadOrdersConfig } from './config';
import { AdmissionControl } from './orders/application/admission-control';
import { ApplySagaFactHandler } from './orders/application/apply-saga-fact.handler';
import { CreateOrderHandler } from './orders/application/create-order.handler';
import { ordersRoutes } from './orders/application/orders.routes';
import { ExpireOrdersHandler } from './orders/application/expire-orders.handler';
import { OrderQueries } from './orders/application/order.queries';
import { SagaBacklogSampler } from './orders/application/saga-backlog.sampler';
import { CreateOrders1732780000000 } from './orders/infrastructure/migrations/1732780000000-create-orders';
import { SagaTimeline1764547400000 } from './orders/infrastructure/migrations/1764547400000-saga-timeline';
import { DependencyStatus1764600000000 } from './orders/infrastructure/migrations/1764600000000-dependency-status';
import { DependencyStatusRepository } from './orders/infrastructure/dependency-status.repository';
import { RecordProviderStatusHandler } from './orders/application/record-provider-status.handler';
import { OrderRepository } from './orders/infrastructure/order.repository';
import { OrdersController } from './orders/interface/orders.controller';
import { SERVICE } from './service';

// Composition root: the only place that knows how the pieces fit (ADR 0003).
void runService(SERVICE.name, () => {
  const config = loadOrdersConfig();
  return bootSagaParticipant({
    service: SERVICE,
    config,
    // The idempotency table comes from its package, as frozen versions.
    migrations: [
      CreateOrders1732780000000,
      SagaTimeline1764547400000,
      DependencyStatus1764600000000,
      ...IDEMPOTENCY_MIGRATIONS,
    ],
    build: ({ db, inbox, outbox, logger, metrics }) => {
      const orders = new OrderRepository();
      const statuses = new DependencyStatusRepository();
      const apply = new ApplySagaFactHandler(inbox, orders, logger, metrics);
      const create = new CreateOrderHandler(
        db,
        orders,
        outbox,
        logger,
        config.SAGA_DEADLINE_MS,
        config.SAGA_MODE,
      );
      // Choreography: this service decides that a saga ran out of time. Orchestration: the
      // orchestrator does, and this service applies its word like any other fact.
      const expire =
        config.SAGA_MODE === 'choreography'
          ? new ExpireOrdersHandler(db, orders, outbox, logger, metrics)
          : undefined;
      const admission = new AdmissionControl({
        maxInFlight: config.ORDERS_MAX_IN_FLIGHT,
        maxPoolWaiting: config.ORDERS_MAX_POOL_WAITING,
        retryAfterSeconds: config.ORDERS_SHED_RETRY_AFTER_SECONDS,
        pool: poolGaugeOf(db),
      });
      const backlog = new SagaBacklogSampler(db, orders, metrics, admission);
      const records = new IdempotencyRecords();
      const cache =
        config.REDIS_URL === undefined
          ? undefined
          : new IdempotencyCache({
              url: config.REDIS_URL,
              namespace: `${config.KAFKA_TOPIC_PREFIX}${SERVICE.name}:idempotency:`,
              logger,
            });
      const idempotent = new IdempotentRequests({
        db,
        records,
        cache,
        logger,
        metrics,
        keyTtlMs: config.IDEMPOTENCY_KEY_TTL_MS,
        inFlightTtlMs: config.IDEMPOTENCY_IN_FLIGHT_TTL_MS,
        cacheTtlMs: config.IDEMPOTENCY_CACHE_TTL_MS,
      });
      const keySweeper = new ExpiredKeysSweeper({
        db,
        records,
        logger,
        batchSize: config.IDEMPOTENCY_SWEEP_BATCH,
      });
      return {
        routes: ordersRoutes(apply, new RecordProviderStatusHandler(inbox, statuses, logger)),
        // Every handler's effect is one inbox apply, nothing before it: batches are safe (ADR 0016).
        applyInBatches: true,
        controllers: [OrdersController],
        providers: [
          { provide: CreateOrderHandler, useValue: create },
          {
            provide: OrderQueries,
            useValue: new OrderQueries(db, orders, config.SAGA_MODE, statuses),
          },
          { provide: IdempotentRequests, useValue: idempotent },
          { provide: AdmissionControl, useValue: admission },
          { provide: SagaMetrics, useValue: metrics },
        ],
        background: [
          new PeriodicTask(
            'saga-sweeper',
            config.SAGA_SWEEP_INTERVAL_MS,
            async () => {
              if (expire !== undefined) await sweepUntilShort(expire);
              await backlog.sample();
            },
            logger,
          ),
          new PeriodicTask(
            'idempotency-sweeper',
            config.IDEMPOTENCY_SWEEP_INTERVAL_MS,
            async () => void (await keySweeper.sweep()),
            logger,
          ),
          ...(cache === undefined
            ? []
            : [
                {
                  name: 'idempotency-cache',
                  // Connects in the background; until then (or without Redis) PostgreSQL decides.
                  start: () => void cache.start(),
                  stop: () => cache.stop(),
                },
              ]),
        ],
        // Redis only speeds idempotency up; without it the service is degraded, still correct.
        readiness:
          cache === undefined ? [] : [{ name: 'redis', optional: true, check: () => cache.ping() }],
      };
    },
  });
});
