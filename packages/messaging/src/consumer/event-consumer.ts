import type { Kafka } from 'kafkajs';
import type { MessageName } from '@order-saga/contracts';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import { retryPolicy, type RetryPolicy } from '@order-saga/resilience';
import { DeadLetterPublisher } from '../dead-letters/dead-letter-publisher';
import type { KafkaPublisher } from '../publisher';
import { BatchRunner } from './batch-runner';
import type { BatchUnitOfWork } from './batch-unit-of-work';
import type { ConsumptionGate } from './consumption-gate';
import { MessageDelivery, type EnvelopeHandler } from './message-delivery';
import { ConsumerSupervisor } from './supervisor';

export type { Delivery, EnvelopeHandler } from './message-delivery';

export interface EventConsumerOptions {
  readonly groupId: string;
  /** Full topic names (already prefixed). */
  readonly topics: readonly string[];
  /**
   * The message types this consumer acts on. Others on its topics are skipped on their ce_type
   * header alone, before any decoding: a saga topic carries several types, most for others.
   */
  readonly accepts: readonly MessageName[];
  readonly handler: EnvelopeHandler;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  /**
   * Per-message retries of a transient failure; when its attempts run out the message is
   * dead-lettered. Waits for an unavailable dependency use its delays but never its attempts.
   */
  readonly retry?: RetryPolicy;
  /** Restarts of the whole consumer after kafkajs gave up on it; never exhausted. */
  readonly restart?: RetryPolicy;
  /** Partitions processed in parallel; messages within a partition are always sequential. */
  readonly partitionsConsumedConcurrently?: number;
  /** Longest time the broker holds a fetch open waiting for data (latency vs. idle traffic). */
  readonly maxWaitTimeMs?: number;
  /** How long the group waits for a silent member before reassigning its partitions. */
  readonly sessionTimeoutMs?: number;
  /**
   * Holds back new work while closed (topics paused, waiting messages wait for it): for a
   * consumer whose every message needs one dependency that a circuit breaker watches.
   */
  readonly gate?: ConsumptionGate;
  /**
   * Applies up to `maxRecords` consecutive records of a partition in one shared transaction
   * (ADR 0016), for a handler whose whole effect is its inbox apply. Omitted or 1: one by one.
   */
  readonly batchApply?: { readonly unitOfWork: BatchUnitOfWork; readonly maxRecords: number };
}

// 8 attempts span roughly 15 s of transient failure before a message is parked in its
// dead-letter topic. Outages of a dependency (the provider, the database) do not spend them.
export const DEFAULT_MESSAGE_RETRY: RetryPolicy = retryPolicy({
  baseMs: 100,
  capMs: 5_000,
  attempts: 8,
  jitter: 'full',
  whenExhausted: 'dead-letter',
});
// Equal jitter: reconnecting a group is expensive, so never a near-immediate retry.
export const DEFAULT_CONSUMER_RESTART: RetryPolicy = retryPolicy({
  baseMs: 500,
  capMs: 10_000,
  attempts: Infinity,
  jitter: 'equal',
  whenExhausted: 'fail',
});

/**
 * Consumes saga topics with manual offset management, assembled from its four parts: the
 * supervisor (lifecycle, crash restart, readiness), the batch runner (order, offsets, commits),
 * the message delivery with its pure delivery policy (skip, decode, retry, wait, dead-letter),
 * and the dead-letter publisher. An offset is committed only after its message was applied or
 * dead-lettered, so nothing is dropped.
 */
export class EventConsumer {
  readonly name = 'consumer';
  private readonly supervisor: ConsumerSupervisor;

  constructor(kafka: Kafka, options: EventConsumerOptions) {
    const stopping = new AbortController();
    const delivery = new MessageDelivery({
      groupId: options.groupId,
      accepts: options.accepts,
      handler: options.handler,
      retry: options.retry ?? DEFAULT_MESSAGE_RETRY,
      deadLetters: new DeadLetterPublisher(options.publisher, options.logger, options.metrics),
      logger: options.logger,
      metrics: options.metrics,
      stopping: stopping.signal,
      ...(options.gate === undefined ? {} : { gate: options.gate }),
    });
    const batches = new BatchRunner(
      delivery,
      options.batchApply === undefined || options.batchApply.maxRecords <= 1
        ? undefined
        : { ...options.batchApply, logger: options.logger, metrics: options.metrics },
    );
    this.supervisor = new ConsumerSupervisor(
      kafka,
      {
        groupId: options.groupId,
        topics: options.topics,
        restart: options.restart ?? DEFAULT_CONSUMER_RESTART,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
        maxWaitTimeMs: options.maxWaitTimeMs ?? 500,
        sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
        logger: options.logger,
        stopping,
        ...(options.gate === undefined ? {} : { gate: options.gate }),
      },
      (consumer, payload) => batches.run(consumer, payload),
    );
  }

  start(): Promise<void> {
    return this.supervisor.start();
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  /** Readiness: fails while the consumer is down after a crash or not an active group member. */
  check(): Promise<void> {
    return this.supervisor.check();
  }
}
