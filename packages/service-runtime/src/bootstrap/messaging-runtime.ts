import type { Kafka } from 'kafkajs';
import {
  ConsumerLagReporter,
  DeadLetterDesk,
  EventConsumer,
  KafkaPublisher,
  KafkaReadiness,
  type BatchUnitOfWork,
  type ConsumptionGate,
  type EnvelopeHandler,
} from '@order-saga/messaging';
import type { MessageName } from '@order-saga/contracts';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import { OutboxRelay } from '@order-saga/outbox';
import type { TransactionRunner } from '@order-saga/persistence';
import type { RetryPolicy } from '@order-saga/resilience';

export interface MessagingRuntimeOptions {
  readonly kafka: Kafka;
  readonly db: TransactionRunner;
  readonly databaseUrl: string;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  /** The relay's retries of a failed publish. */
  readonly publishRetry?: RetryPolicy;
  /** The relay's re-LISTEN after the database dropped its connection. */
  readonly relistenRetry?: RetryPolicy;
  /** Omit for a service that only publishes. */
  readonly consumer?: {
    readonly groupId: string;
    readonly topics: readonly string[];
    readonly accepts: readonly MessageName[];
    readonly handler: EnvelopeHandler;
    readonly partitionsConsumedConcurrently?: number;
    /** How long an idle fetch waits at the broker. */
    readonly maxWaitTimeMs?: number;
    /** Per-message retries before a dead letter. */
    readonly retry?: RetryPolicy;
    /** Rejoining the group after the consumer crashed. */
    readonly restart?: RetryPolicy;
    /** The prefix of its topics' names (KAFKA_TOPIC_PREFIX): dead-letter ids leave it out. */
    readonly topicPrefix: string;
    /** How often an operator may re-drive one of its dead letters (DEAD_LETTER_REDRIVE_CAP). */
    readonly redriveCap: number;
    /** Pauses consumption while closed (see ConsumptionGate). */
    readonly gate?: ConsumptionGate;
    /** Records applied per shared transaction (ADR 0016); omitted: one by one. */
    readonly batchApply?: { readonly unitOfWork: BatchUnitOfWork; readonly maxRecords: number };
  };
}

/**
 * The messaging half of a service: one idempotent producer shared by the outbox relay and the
 * dead-letter path, the relay itself, and the consumer. Started after the HTTP app is built and
 * stopped in reverse order, so in-flight work drains before connections close.
 */
export class MessagingRuntime {
  readonly publisher: KafkaPublisher;
  readonly relay: OutboxRelay;
  /** Broker reachable, and the consumer (if any) running rather than restarting after a crash. */
  readonly readiness: ReadonlyArray<{ readonly name: string; check(): Promise<void> }>;
  /** The consumer's dead letters, for the admin port (undefined for a service that only publishes). */
  readonly deadLetters: DeadLetterDesk | undefined;
  private readonly broker: KafkaReadiness;
  private readonly consumer: EventConsumer | undefined;
  private readonly lag: ConsumerLagReporter | undefined;
  private readonly started = new Set<'publisher' | 'relay' | 'consumer'>();

  constructor(options: MessagingRuntimeOptions) {
    this.publisher = new KafkaPublisher(options.kafka);
    this.broker = new KafkaReadiness(options.kafka);
    this.relay = new OutboxRelay({
      db: options.db,
      databaseUrl: options.databaseUrl,
      publisher: this.publisher,
      logger: options.logger.child({ component: 'outbox-relay' }),
      metrics: options.metrics,
      ...(options.publishRetry === undefined ? {} : { publishRetry: options.publishRetry }),
      ...(options.relistenRetry === undefined ? {} : { relistenRetry: options.relistenRetry }),
    });
    this.consumer =
      options.consumer === undefined
        ? undefined
        : new EventConsumer(options.kafka, {
            ...options.consumer,
            publisher: this.publisher,
            logger: options.logger.child({ component: 'consumer' }),
            metrics: options.metrics,
          });
    this.deadLetters =
      options.consumer === undefined
        ? undefined
        : new DeadLetterDesk({
            kafka: options.kafka,
            publisher: this.publisher,
            logger: options.logger,
            metrics: options.metrics,
            consumerGroup: options.consumer.groupId,
            topics: options.consumer.topics,
            topicPrefix: options.consumer.topicPrefix,
            redriveCap: options.consumer.redriveCap,
          });
    this.readiness = this.consumer === undefined ? [this.broker] : [this.broker, this.consumer];
    this.lag =
      options.consumer === undefined
        ? undefined
        : new ConsumerLagReporter(
            options.kafka,
            options.consumer.groupId,
            options.consumer.topics,
            options.metrics,
            options.logger,
          );
  }

  /**
   * Safe to call again after it failed (the boot retries it while the broker flaps): each part
   * starts once, and a retry resumes with the first part that did not start.
   */
  async start(): Promise<void> {
    if (!this.started.has('publisher')) {
      await this.publisher.connect();
      this.started.add('publisher');
    }
    if (!this.started.has('relay')) {
      await this.relay.start();
      this.started.add('relay');
    }
    if (!this.started.has('consumer')) {
      await this.consumer?.start();
      this.started.add('consumer');
    }
    this.lag?.start();
  }

  async stop(): Promise<void> {
    await this.lag?.stop();
    await this.consumer?.stop();
    await this.relay.stop();
    await this.publisher.disconnect();
    await this.broker.close();
  }
}
