import type { Provider, Type } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { topicName, type SagaMode } from '@order-saga/contracts';
import { INBOX_MIGRATIONS, InboxTransactions } from '@order-saga/inbox';
import {
  DeadLetterDesk,
  DependencyUnavailableError,
  ServiceBusyError,
  acceptedMessages,
  createKafka,
  probeBroker,
  routeHandler,
  type ConsumptionGate,
  type EnvelopeHandler,
  type RoutesByMode,
} from '@order-saga/messaging';
import { SagaMetrics, createLogger, type Logger } from '@order-saga/observability';
import { OUTBOX_MIGRATIONS, OutboxWriter } from '@order-saga/outbox';
import {
  isDatabaseUnavailable,
  isPoolSaturated,
  openDatabase,
  useNamedStatements,
} from '@order-saga/persistence';
import {
  consumerRestartPolicy,
  messageRetryPolicy,
  outboxRelistenPolicy,
  outboxRetryPolicy,
  type BaseConfig,
  type DatabaseConfig,
  type KafkaConfig,
  type RetryConfig,
} from '../config';
import { DeadLettersAdminController } from '../admin/dead-letters.admin-controller';
import type { ReadinessCheck } from '../health';
import { createHttpApp, listenAddresses, type ListenAddresses } from '../http-app';
import { routeProcessWarnings } from '../process-warnings';
import { shellModule } from '../shell-module';
import { BootListener } from './boot-listener';
import { MessagingRuntime } from './messaging-runtime';
import type { BackgroundTask } from './periodic-task';
import { waitForDependency } from './wait-for-dependency';

/** Who a service is: declared once, in its `src/service.ts`. */
export interface ServiceIdentity {
  /** Logs, metrics, CloudEvents `source`, Kafka client id. */
  readonly name: string;
  /** Its inbox's consumer name; with the topic prefix, also its Kafka consumer group. */
  readonly consumer: string;
}

/** What a saga participant's composition root gets to build its use cases from. */
export interface SagaParticipantContext {
  readonly db: DataSource;
  readonly outbox: OutboxWriter;
  /** Claim + effects + outbox append in one transaction, for this service's consumer. */
  readonly inbox: InboxTransactions;
  readonly mode: SagaMode;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
}

export interface SagaParticipantParts {
  /**
   * What the consumer does, per saga mode (declared in the service's application/); the
   * bootstrap subscribes to the topics of the configured mode and acts on its routes only.
   */
  readonly routes?: RoutesByMode;
  readonly controllers?: Type<unknown>[];
  /** Operator endpoints (@AdminController), on the admin port only. */
  readonly adminControllers?: Type<unknown>[];
  readonly providers?: Provider[];
  /** Started after the consumer, stopped before it (sweepers, gauges' samplers). */
  readonly background?: readonly BackgroundTask[];
  /** Checks of the service's own dependencies (e.g. Redis), beside database and Kafka. */
  readonly readiness?: readonly ReadinessCheck[];
  /**
   * Pauses the consumer while closed: a service whose every message needs one dependency
   * (payments-adapter: the provider) stops taking work while its circuit breaker is open.
   */
  readonly consumptionGate?: ConsumptionGate;
  /**
   * Apply up to KAFKA_APPLY_BATCH_MAX consecutive records of a partition in one transaction
   * (ADR 0016). Only for consumers whose every handler's effect is one `inbox.apply` with nothing
   * before it that waits on the database or calls out: a record's apply holds its result until the
   * batch commits.
   */
  readonly applyInBatches?: boolean;
}

export interface SagaParticipantDefinition {
  readonly service: ServiceIdentity;
  readonly config: BaseConfig & KafkaConfig & DatabaseConfig & RetryConfig;
  /**
   * The service's own migrations. Every participant has an outbox and an inbox: their tables come
   * from their packages, as frozen versions, and are added here before these.
   */
  readonly migrations: Extract<DataSourceOptions['migrations'], unknown[]>;
  readonly build: (context: SagaParticipantContext) => SagaParticipantParts;
}

/** A booted service, not listening yet: runService hands it the ports the boot listener held. */
export interface BootedService extends ListenAddresses {
  readonly app: INestApplication;
  readonly logger: Logger;
  /** Answered the probes while the service waited for its dependencies; closed before listening. */
  readonly bootListener?: BootListener;
}

/**
 * Boots a service that owns a database and takes part in the saga: logger and metrics, database
 * with migrations, outbox writer and relay, consumer, HTTP app with health and metrics, and the
 * shutdown order (consumer and relay first, then the pool). The service supplies its use cases.
 * A database or broker that is not there yet is waited for (ADR 0015): the ports listen from the
 * start with liveness 200 and readiness 503, and the boot carries on once both answer.
 */
export async function bootSagaParticipant(
  definition: SagaParticipantDefinition,
): Promise<BootedService> {
  const { service, config } = definition;
  const { name } = service;
  const mode = config.SAGA_MODE;
  // Before anything connects or listens: a bad retry budget is a configuration error (exit 78).
  const messageRetry = messageRetryPolicy(config);
  const publishRetry = outboxRetryPolicy(config);
  const relistenRetry = outboxRelistenPolicy(config);
  const consumerRestart = consumerRestartPolicy(config);
  const logger = createLogger(name, config.LOG_LEVEL);
  routeProcessWarnings(logger);
  const metrics = new SagaMetrics(name);
  const addresses = listenAddresses(config);
  const bootListener = await BootListener.listen(addresses, ['database', 'kafka'], metrics);
  useNamedStatements(config.DATABASE_NAMED_STATEMENTS);
  // Both at once: the report names every missing dependency, and the slower one sets the pace.
  // Only an unreachable database is waited for; a failing migration stops the boot (exit 1).
  // Every broker error is: at boot, the broker (or its topics) not being there yet is the cause.
  const [db] = await Promise.all([
    waitForDependency(
      () =>
        openDatabase({
          url: config.DATABASE_URL,
          poolSize: config.DATABASE_POOL_SIZE,
          entities: [],
          migrations: [...OUTBOX_MIGRATIONS, ...INBOX_MIGRATIONS, ...definition.migrations],
          logger,
        }),
      { dependency: 'database', retryable: isDatabaseUnavailable, logger, listener: bootListener },
    ),
    waitForDependency(() => probeBroker({ clientId: name, brokers: config.KAFKA_BROKERS }), {
      dependency: 'kafka',
      logger,
      listener: bootListener,
    }),
  ]);
  const outbox = new OutboxWriter(config.KAFKA_TOPIC_PREFIX);
  const inbox = new InboxTransactions(db, outbox, service.consumer, metrics);
  const parts = definition.build({ db, outbox, inbox, mode, logger, metrics });
  const consumed = parts.routes?.[mode] ?? undefined;
  const messaging = new MessagingRuntime({
    kafka: createKafka({ clientId: name, brokers: config.KAFKA_BROKERS, logger }),
    db,
    databaseUrl: config.DATABASE_URL,
    logger,
    metrics,
    publishRetry,
    relistenRetry,
    ...(consumed === undefined
      ? {}
      : {
          consumer: {
            groupId: `${config.KAFKA_TOPIC_PREFIX}${service.consumer}`,
            topics: consumed.topics.map((topic) => topicName(topic, config.KAFKA_TOPIC_PREFIX)),
            accepts: acceptedMessages(consumed.routes),
            handler: outagesOfTheDatabaseWait(routeHandler(consumed.routes)),
            partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENCY,
            maxWaitTimeMs: config.KAFKA_FETCH_MAX_WAIT_MS,
            retry: messageRetry,
            restart: consumerRestart,
            topicPrefix: config.KAFKA_TOPIC_PREFIX,
            redriveCap: config.DEAD_LETTER_REDRIVE_CAP,
            ...(parts.consumptionGate === undefined ? {} : { gate: parts.consumptionGate }),
            ...(parts.applyInBatches === true
              ? {
                  batchApply: {
                    unitOfWork: inbox.batches,
                    maxRecords: config.KAFKA_APPLY_BATCH_MAX,
                  },
                }
              : {}),
          },
        }),
  });
  const deadLetters = messaging.deadLetters;
  const app = await createHttpApp({
    module: shellModule({
      controllers: parts.controllers ?? [],
      // Every consumer's dead letters are listed and re-driven on its admin port (npm run dlt).
      adminControllers: [
        ...(parts.adminControllers ?? []),
        ...(deadLetters === undefined ? [] : [DeadLettersAdminController]),
      ],
      providers: [
        ...(parts.providers ?? []),
        ...(deadLetters === undefined ? [] : [{ provide: DeadLetterDesk, useValue: deadLetters }]),
      ],
      shutdown: async () => {
        await Promise.all((parts.background ?? []).map((task) => task.stop()));
        await messaging.stop();
        await db.destroy();
        logger.info('service.stopped');
      },
    }),
    logger,
    metrics,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    readiness: () => [
      { name: 'database', check: async () => void (await db.query('SELECT 1')) },
      ...messaging.readiness,
      ...(parts.readiness ?? []),
    ],
  });
  // The broker answered the probe; this joins the group, and is retried should it flap meanwhile.
  await waitForDependency(() => messaging.start(), {
    dependency: 'kafka',
    logger,
    listener: bootListener,
  });
  for (const task of parts.background ?? []) task.start();
  return { app, logger, bootListener, ...addresses };
}

/**
 * An unreachable database is an outage of a dependency, not a fault of the message: every message
 * on the partition needs the same database. The consumer then waits (capped backoff, heartbeats)
 * without spending the message's attempts and never dead-letters it for that; the message applies
 * once the database is back. Found by a fault probe: a 12 s restart used all 8 attempts of a
 * payment message and dead-lettered it with ECONNREFUSED, leaving a charged order stranded.
 * A saturated pool (the database answers, every connection is busy) is not an outage: the
 * message is retried without spending attempts, as a busy service's (ServiceBusyError).
 */
function outagesOfTheDatabaseWait(handler: EnvelopeHandler): EnvelopeHandler {
  return async (envelope, delivery) => {
    try {
      await handler(envelope, delivery);
    } catch (error) {
      // Already an outage of a named dependency (the payment provider): its own words stand.
      if (error instanceof DependencyUnavailableError) throw error;
      // Every pooled connection stayed busy while the database answered: not an outage, but not
      // the message's fault either (see ServiceBusyError).
      if (isPoolSaturated(error))
        throw new ServiceBusyError('no database connection came free in time', { cause: error });
      if (!isDatabaseUnavailable(error)) throw error;
      throw new DependencyUnavailableError('the database is unreachable', { cause: error });
    }
  };
}
